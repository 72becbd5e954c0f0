#include "gui/LiveView.h"
#include "gui/SmoothingControl.h"

#include "gui/CostBreakdownView.h"

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

namespace hpt::gui {

namespace {
QString formatDuration(double s) {
    if (!(s >= 0) || s > 1e7) return "—";
    const qint64 t = qint64(s + 0.5);
    return t >= 3600 ? QString("%1:%2:%3").arg(t / 3600).arg(t / 60 % 60, 2, 10, QChar('0')).arg(t % 60, 2, 10, QChar('0'))
                     : QString("%1:%2").arg(t / 60).arg(t % 60, 2, 10, QChar('0'));
}
}  // namespace

LiveView::LiveView(QWidget* parent) : QWidget(parent) {
    bar_ = new QProgressBar;
    bar_->setRange(0, 1000);
    bar_->setValue(0);
    bar_->setTextVisible(true);
    bar_->setFormat("idle");
    progress_ = new QLabel("No run yet — configure one in Setup and press Start (Ctrl+R).");
    status_ = new QLabel;
    pause_ = new QPushButton("Pause");
    pause_->setToolTip("Pause the run between steps / resume it");
    stop_ = new QPushButton("Stop");
    stop_->setToolTip("Stop after the current step; a checkpoint is written (Ctrl+.)");
    connect(pause_, &QPushButton::clicked, this, &LiveView::togglePause);
    connect(stop_, &QPushButton::clicked, this, &LiveView::stopRequested);
    align_ = new QComboBox;
    align_->addItems({"by step", "by wall time"});
    align_->setToolTip("x axis of every chart: training step or seconds since the run started");
    connect(align_, &QComboBox::currentIndexChanged, this, [this](int i) {
        for (auto* c : charts()) c->setByWallTime(i == 1);
    });

    // One smoothing for every chart of the run, kept across sessions (QSettings "live/smoothing").
    smoothing_ = new SmoothingControl("live/smoothing");
    connect(smoothing_, &SmoothingControl::changed, this, [this](const Smoothing& s) {
        for (auto* c : charts()) c->setSmoothing(s);
    });

    auto* top = new QHBoxLayout;
    top->addWidget(bar_, 2);
    top->addWidget(progress_, 3);
    top->addWidget(new QLabel("x axis:"));
    top->addWidget(align_);
    top->addWidget(smoothing_);
    top->addWidget(pause_);
    top->addWidget(stop_);

    auto* grid = new QWidget;
    auto* g = new QGridLayout(grid);
    g->setContentsMargins(0, 0, 0, 0);
    g->setSpacing(6);
    for (auto k : {ChartKind::Loss, ChartKind::Id, ChartKind::Energy, ChartKind::Writes, ChartKind::Time, ChartKind::Lr}) {
        auto* c = new ChartView(k);
        c->setRun(&run_);
        c->setSmoothing(smoothing_->smoothing());
        charts_[k] = c;
    }
    g->addWidget(charts_[ChartKind::Loss], 0, 0, 1, 2);
    g->addWidget(charts_[ChartKind::Id], 0, 2);
    g->addWidget(charts_[ChartKind::Energy], 1, 0, 1, 2);
    g->addWidget(charts_[ChartKind::Writes], 1, 2);
    g->addWidget(charts_[ChartKind::Time], 2, 0, 1, 2);
    g->addWidget(charts_[ChartKind::Lr], 2, 2);
    g->setRowStretch(0, 3);
    g->setRowStretch(1, 2);
    g->setRowStretch(2, 2);
    g->setColumnStretch(0, 1);
    g->setColumnStretch(1, 1);
    g->setColumnStretch(2, 1);

    log_ = new QTableWidget(0, 4);
    log_->setHorizontalHeaderLabels({"step", "epoch", "event", "details"});
    log_->horizontalHeader()->setStretchLastSection(true);
    log_->verticalHeader()->setVisible(false);
    log_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    log_->setSelectionBehavior(QAbstractItemView::SelectRows);
    log_->setColumnWidth(0, 70);
    log_->setColumnWidth(1, 50);
    log_->setColumnWidth(2, 110);

    // On a small screen the charts scroll rather than squeeze below their minimum (which clipped axis titles).
    auto* scroll = new QScrollArea;
    scroll->setWidget(grid);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(scroll);
    split->addWidget(log_);
    breakdown_ = new CostBreakdownView;
    split->addWidget(breakdown_);
    split->setStretchFactor(0, 5);
    split->setStretchFactor(1, 1);

    auto* lay = new QVBoxLayout(this);
    lay->addLayout(top);
    lay->addWidget(status_);
    lay->addWidget(split, 1);
    status_->setVisible(false);

    timer_ = new QTimer(this);
    timer_->setInterval(100);
    connect(timer_, &QTimer::timeout, this, &LiveView::poll);
    timer_->start();
    setRunning(false);
}

std::vector<ChartView*> LiveView::charts() const {
    std::vector<ChartView*> out;
    for (const auto& kv : charts_) out.push_back(kv.second);
    return out;
}

void LiveView::beginRun(const QString& name) {
    sink_.drain();
    run_.clear();
    run_.name = name;
    phase_ = "FULL";
    log_->setRowCount(0);
    bar_->setValue(0);
    bar_->setFormat("starting…");
    progress_->setText(QString("Starting %1…").arg(name));
    status_->setVisible(false);
    for (auto* c : charts()) c->refresh();
    setRunning(true);
}

void LiveView::showRun(const RunData& run) {
    setRunning(false);
    status_->setVisible(false);
    run_ = run;
    log_->setRowCount(0);
    for (const auto& e : run_.events()) appendEvent(e);
    breakdown_->setFinal(run_.final);
    const auto spans = run_.phases();
    phase_ = spans.empty() ? "FULL" : spans.back().phase;
    bar_->setValue(1000);
    bar_->setFormat("stored run");
    progress_->setText(QString("%1 — %2 steps, phase %3").arg(run_.name).arg(run_.lastStep()).arg(phase_));
    for (auto* c : charts()) c->refresh();
}

void LiveView::setRunning(bool running) {
    running_ = running;
    pause_->setEnabled(running);
    stop_->setEnabled(running);
    if (!running) {
        paused_ = false;
        pause_->setText("Pause");
    }
}

void LiveView::togglePause() {
    if (!running_) return;
    paused_ = !paused_;
    pause_->setText(paused_ ? "Resume" : "Pause");
    if (paused_) bar_->setFormat(bar_->format() + " (paused)");
    emit pauseRequested(paused_);
}

void LiveView::poll() {
    LiveBatch b = sink_.drain();
    if (b.empty()) return;
    if (b.started) {
        run_.name = QString::fromStdString(b.started->name);
        run_.config = b.started->config;
        const QString mode = b.started->config.value("switching").toObject().value("mode").toString();
        if (mode == "lora") run_.setInitialPhase("LORA");
    }
    for (const auto& m : b.metrics) run_.add(m);
    for (const auto& e : b.events) {
        run_.add(e);
        appendEvent(e);
        if (e.type == "phase") phase_ = e.payload.value("to").toString(phase_);
    }
    if (b.progress) updateProgress(*b.progress);
    for (auto* c : charts()) c->refresh();
    ++redraws_;
    if (b.finished) {
        setRunning(false);
        const auto& [status, final] = *b.finished;
        bar_->setFormat(QString("%1 — %p%").arg(toString(status)));
        if (status == RunStatus::Finished) bar_->setValue(1000);
        QString text = QString("Run %1").arg(QString(toString(status)).toLower());
        if (final.contains("error")) text += ": " + final.value("error").toString();
        status_->setText(text);
        status_->setStyleSheet(status == RunStatus::Failed ? "color: #c62828; font-weight: bold" : "font-weight: bold");
        status_->setVisible(true);
        breakdown_->setFinal(final);
        emit runFinished(status, final);
    }
}

void LiveView::updateProgress(const Progress& p) {
    if (!p.phase.empty()) phase_ = QString::fromStdString(p.phase);
    const double frac = p.totalSteps > 0 ? double(p.step) / double(p.totalSteps) : 0.0;
    bar_->setValue(int(frac * 1000));
    bar_->setFormat(QString("%1 — %p%").arg(phase_) + (paused_ ? " (paused)" : ""));
    progress_->setText(QString("step %1 / %2 · epoch %3 / %4 · phase %5 · loss %6 · ETA %7")
                           .arg(p.step).arg(p.totalSteps).arg(p.epoch).arg(p.epochs).arg(phase_)
                           .arg(p.loss, 0, 'g', 4).arg(formatDuration(p.etaSeconds)));
}

QString LiveView::progressText() const { return progress_->text(); }

void LiveView::appendEvent(const RunEvent& e) {
    const int row = log_->rowCount();
    log_->insertRow(row);
    log_->setItem(row, 0, new QTableWidgetItem(QString::number(e.step)));
    log_->setItem(row, 1, new QTableWidgetItem(QString::number(e.epoch)));
    auto* type = new QTableWidgetItem(QString::fromStdString(e.type));
    if (e.type == "error") type->setForeground(QColor(198, 40, 40));
    if (e.type == "phase") type->setForeground(phaseColor(e.payload.value("to").toString()).darker(120));
    log_->setItem(row, 2, type);
    QString details = describeEvent(e);
    details = details.mid(details.indexOf(": ") + 2);
    log_->setItem(row, 3, new QTableWidgetItem(details));
    log_->scrollToBottom();
}

}  // namespace hpt::gui
