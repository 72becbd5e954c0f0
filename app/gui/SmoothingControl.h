#pragma once
// The smoothing choice of a chart view: method (none, EMA, Gaussian, running
// mean) and a strength slider (0…0.99, TensorBoard's scale). The choice is
// saved in QSettings under `settingsKey` so the view opens as it was left.
// The math is core's (stats/Smoothing.h); only drawn series are smoothed.
#include "stats/Smoothing.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QSlider;

namespace hpt::gui {

class SmoothingControl : public QWidget {
    Q_OBJECT
public:
    explicit SmoothingControl(const QString& settingsKey, QWidget* parent = nullptr);
    Smoothing smoothing() const;
    void setSmoothing(const Smoothing& s);

signals:
    void changed(const hpt::Smoothing& s);

private:
    void update();
    QString key_;
    QComboBox* method_;
    QSlider* strength_;
    QLabel* value_;
};

}  // namespace hpt::gui
