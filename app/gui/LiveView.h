#pragma once
// The live run view: charts that follow a run as it trains, a progress bar
// (step, epoch, phase, ETA), Pause/Resume/Stop and the event log. Fed through
// its LiveSink; a 100 ms timer redraws only when something arrived, so the
// window never redraws more than ~10×/s however fast the engine reports.
#include "gui/ChartView.h"
#include "gui/LiveSink.h"
#include "gui/RunData.h"

#include <QWidget>
#include <map>

class QLabel;
class QProgressBar;
class QPushButton;
class QTableWidget;
class QTimer;
class QComboBox;

namespace hpt::gui {

class LiveView : public QWidget {
    Q_OBJECT
public:
    explicit LiveView(QWidget* parent = nullptr);
    // The sink to hand to the engine (thread-safe).
    LiveSink* sink() { return &sink_; }
    const RunData& run() const { return run_; }
    ChartView* chart(ChartKind k) const { return charts_.at(k); }
    class SmoothingControl* smoothingControl() const { return smoothing_; }
    std::vector<ChartView*> charts() const;
    QTableWidget* eventLog() const { return log_; }
    QString progressText() const;
    QString currentPhase() const { return phase_; }
    int redraws() const { return redraws_; }
    bool isPaused() const { return paused_; }

    // Starts a fresh view for a new run; `running` enables Pause/Stop.
    void beginRun(const QString& name);
    void setRunning(bool running);
    // Shows a stored run (browser "Open"): data already complete.
    void showRun(const RunData& run);

public slots:
    // Takes what the sink queued and redraws if anything arrived (timer slot; tests call it directly).
    void poll();
    void togglePause();

signals:
    void pauseRequested(bool paused);
    void stopRequested();
    void runFinished(hpt::RunStatus status, const QJsonObject& final);

private:
    void appendEvent(const RunEvent& e);
    void updateProgress(const Progress& p);

    LiveSink sink_;
    RunData run_;
    std::map<ChartKind, ChartView*> charts_;
    QProgressBar* bar_;
    QLabel* progress_;
    QLabel* status_;
    QPushButton *pause_, *stop_;
    QComboBox* align_;
    class SmoothingControl* smoothing_;
    QTableWidget* log_;
    class CostBreakdownView* breakdown_;  // stacked bars of the final device cost (docs/devices.md)
    QTimer* timer_;
    QString phase_ = "FULL";
    bool paused_ = false, running_ = false;
    int redraws_ = 0;
};

}  // namespace hpt::gui
