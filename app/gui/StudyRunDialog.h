#pragma once
// "Run as study…" from the Setup tab: the experiment in the form, N seeds and
// the chosen arms, run by `hpt study` in a child process (so the window stays
// responsive and a crash of one run cannot take it down), with one row per run
// that follows it live: waiting → running → finished / failed / skipped.
// The study folder is <store folder>/studies/<study id>; running the same
// study again resumes it.
#include "study/StudySpec.h"

#include <QDialog>
#include <QJsonObject>
#include <QProcess>

class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace hpt::gui {

class StudyRunDialog : public QDialog {
    Q_OBJECT
public:
    // `exe` is the hpt executable; `pluginDirs` are passed on as --plugin-dir.
    StudyRunDialog(const QJsonObject& experiment, const QString& storePath, const QString& exe,
                   const QStringList& pluginDirs, QWidget* parent = nullptr);
    ~StudyRunDialog() override;

    QSpinBox* seeds() const { return seeds_; }
    QLineEdit* arms() const { return arms_; }
    QTableWidget* runsTable() const { return table_; }
    QString studyId() const { return spec_.id; }
    QString folder() const { return folder_; }
    bool isRunning() const { return proc_.state() != QProcess::NotRunning; }

public slots:
    // Checks the form, writes the experiment file and starts `hpt study`; false (with a message) on bad input.
    bool start();
    void stop();

signals:
    void studyFinished(const QString& studyId, int exitCode);

private:
    void readOutput();
    void setStatus(const QString& runName, const QString& status, const QString& time = QString());
    QJsonObject experiment_;
    QString storePath_, exe_, folder_;
    QStringList pluginDirs_;
    study::StudySpec spec_;
    QProcess proc_;
    QByteArray pending_;
    QSpinBox *seeds_, *jobs_;
    QLineEdit* arms_;
    QTableWidget* table_;
    QPlainTextEdit* log_;
    QPushButton *startBtn_, *stopBtn_;
};

}  // namespace hpt::gui
