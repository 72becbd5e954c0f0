#pragma once
// Experiment setup: every setting of the experiment JSON as a form, generated
// from the experiment schema (config/ExperimentSchema.h) and, for plugin
// parameters, from each plugin's schema. Validated as typed: a bad value is outlined with the
// reason in its tooltip and in the message line; then the data itself is
// checked (gui/DataCheck.h). Start stays disabled until the whole
// configuration is valid and its data can be read; missing files are named
// with three ways on: choose a folder, download, or the synthetic twin.
#include "gui/DataCheck.h"
#include "gui/FormField.h"

#include <QJsonObject>
#include <QWidget>
#include <map>
#include <vector>

class QComboBox;
class QFormLayout;
class QGroupBox;
class QLabel;
class QLineEdit;
class QProcess;
class QProgressBar;
class QPushButton;
class QTimer;

namespace hpt {
class PluginHost;
struct PluginSpec;
}

namespace hpt::gui {

class SetupView : public QWidget {
    Q_OBJECT
public:
    SetupView(const PluginHost& host, QWidget* parent = nullptr);

    // The experiment as the form shows it (plugin params: only values that
    // differ from the chosen preset, so presets keep working when edited later).
    QJsonObject experiment() const;
    // Fills the form; keys the form does not know are kept and saved again.
    void setExperiment(const QJsonObject& experiment);

    // The configuration is valid and its data was read (a data check in progress is not valid yet).
    bool isValid() const { return errors_.empty() && data_.state == DataStatus::Ok; }
    const DataStatus& dataStatus() const { return data_; }
    // Tests: waits until the data check settled and validation ran on its answer.
    bool waitForDataCheck(int timeoutMs = 30000);
    // (dotted key, reason) of every problem found by the last validation.
    const std::vector<std::pair<QString, QString>>& errors() const { return errors_; }
    QString message() const;
    QPushButton* startButton() const { return start_; }
    // The input widget of a dotted key ("switching.alpha"), or nullptr.
    QWidget* fieldWidget(const QString& key) const;
    // The form field of an experiment-schema key (its type and bounds), or nullptr.
    const FormField* field(const QString& key) const;
    // Runs validation now (it otherwise runs 150 ms after the last keystroke).
    void validateNow();
    void setRunning(bool running);

    void loadFile(const QString& path);  // throws hpt::Error naming file, line, column
    void saveFile(const QString& path) const;

signals:
    void startRequested(const QJsonObject& experiment);
    void validityChanged(bool valid);
    void fileUsed(const QString& path);  // for the recent-files menu

public slots:
    void openDialog();
    void saveDialog();

private:
    struct PluginSection {
        QString prefix;  // "model", "dataset", "devices.gpu"
        int kind = 0;    // PluginKind
        QComboBox* plugin = nullptr;
        QComboBox* preset = nullptr;
        QFormLayout* params = nullptr;
        std::vector<FormField> fields;
        QJsonObject pendingOverrides;
    };
    QWidget* buildModelAndData();
    QWidget* buildDevices();
    QGroupBox* buildPluginSection(PluginSection& s, const QString& title, QWidget* extra = nullptr);
    void rebuildParams(PluginSection& s);
    void applyModelDefaults();
    void updateBadge();
    void startDownload();
    void addField(QFormLayout* form, const ExperimentKey& key);
    QJsonObject pluginParams(const PluginSection& s, QString* badKey, QString* why) const;
    const PluginSpec* record(const PluginSection& s) const;
    void scheduleValidate();

    const PluginHost& host_;
    std::vector<FormField> fields_;
    PluginSection model_, dataset_;
    std::vector<PluginSection> devices_;
    QFormLayout* mappingForm_ = nullptr;
    QLineEdit* dataDir_ = nullptr;
    QLabel* badge_ = nullptr;
    DataCheck* dataCheck_ = nullptr;
    DataStatus data_;
    QWidget* dataPanel_ = nullptr;  // shown when the data cannot be read
    QLabel* dataMessage_ = nullptr;
    QPushButton* downloadButton_ = nullptr;
    QPushButton* twinButton_ = nullptr;
    QProgressBar* downloadProgress_ = nullptr;
    QProcess* download_ = nullptr;
    QLabel* message_ = nullptr;
    QPushButton* start_ = nullptr;
    QTimer* debounce_ = nullptr;
    QJsonObject extra_;  // keys loaded from a file that the form has no widget for
    std::vector<std::pair<QString, QString>> errors_;
    bool running_ = false, loading_ = false;
};

}  // namespace hpt::gui
