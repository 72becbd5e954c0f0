#include "gui/SmoothingControl.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSettings>
#include <QSlider>

namespace hpt::gui {

SmoothingControl::SmoothingControl(const QString& settingsKey, QWidget* parent)
    : QWidget(parent), key_(settingsKey), method_(new QComboBox), strength_(new QSlider(Qt::Horizontal)), value_(new QLabel) {
    method_->addItem("no smoothing", "none");
    method_->addItem("EMA", "ema");
    method_->addItem("Gaussian", "gaussian");
    method_->addItem("mean", "mean");
    method_->setToolTip("Smoothing of the drawn curves; the raw curve stays, faint. Stored data never change.\n"
                        "EMA: TensorBoard's debiased exponential moving average (weight = strength).\n"
                        "Gaussian / mean (running mean): centred, over about 1/(1 − strength) samples.");
    strength_->setRange(0, 99);
    strength_->setFixedWidth(80);
    strength_->setToolTip("Smoothing strength (0 … 0.99)");
    value_->setMinimumWidth(30);
    auto* lay = new QHBoxLayout(this);
    lay->setContentsMargins(0, 0, 0, 0);
    lay->addWidget(method_);
    lay->addWidget(strength_);
    lay->addWidget(value_);
    QSettings s;
    Smoothing saved;
    parseSmoothingMethod(s.value(key_ + "/method", "none").toString().toStdString(), &saved.method);
    saved.strength = clampStrength(s.value(key_ + "/strength", saved.strength).toDouble());
    setSmoothing(saved);
    connect(method_, &QComboBox::currentIndexChanged, this, &SmoothingControl::update);
    connect(strength_, &QSlider::valueChanged, this, &SmoothingControl::update);
}

Smoothing SmoothingControl::smoothing() const {
    Smoothing s;
    parseSmoothingMethod(method_->currentData().toString().toStdString(), &s.method);
    s.strength = strength_->value() / 100.0;
    return s;
}

void SmoothingControl::setSmoothing(const Smoothing& s) {
    const QSignalBlocker b1(method_), b2(strength_);
    method_->setCurrentIndex(std::max(0, method_->findData(QString(toString(s.method)))));
    strength_->setValue(int(clampStrength(s.strength) * 100 + 0.5));
    update();
}

void SmoothingControl::update() {
    const Smoothing s = smoothing();
    value_->setText(QString::number(s.strength, 'f', 2));
    strength_->setEnabled(s.method != SmoothingMethod::None);
    QSettings st;
    st.setValue(key_ + "/method", toString(s.method));
    st.setValue(key_ + "/strength", s.strength);
    emit changed(s);
}

}  // namespace hpt::gui
