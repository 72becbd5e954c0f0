#pragma once
// Whether an experiment's data can be read, found out before Start: the
// dataset plugin's own load() runs once per (dataset, params, data folder) on
// a worker thread, so the answer — REAL or SYNTHETIC, or which file is missing
// and where it was looked for — is the one a run would get. Plugins whose
// metadata says "synthetic": true read no files and are known at once.
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <map>
#include <optional>
#include <thread>

namespace hpt {
class PluginHost;
}

namespace hpt::gui {

struct DataStatus {
    enum State { Checking, Ok, Missing, Failed };
    State state = Checking;
    bool synthetic = false;  // known once state == Ok
    QString message;         // the plugin's reason (names the file and the folders searched)
    QString where;           // the file or field it names
};

class DataCheck : public QObject {
    Q_OBJECT
public:
    explicit DataCheck(const PluginHost& host, QObject* parent = nullptr);
    ~DataCheck() override;  // waits for a load in progress

    // The status for this data; starts a check (state Checking) when it was not checked yet.
    DataStatus request(const QString& dataset, const QJsonObject& params, const QString& dataDir);
    // Files may have changed (a download finished, a file was copied): check again on the next request.
    void forget();
    // Tests: processes events until no check is running (false on timeout).
    bool waitForIdle(int timeoutMs);

signals:
    void checked();  // a check finished; request() now answers from the cache

private:
    void startLocked(const QString& key, const QString& dataset, const QJsonObject& params, const QString& dataDir);
    void finishedOnGuiThread(const QString& key, const DataStatus& s);

    const PluginHost& host_;
    std::map<QString, DataStatus> results_;
    std::thread worker_;
    bool running_ = false;
    struct Pending {
        QString key, dataset, dataDir;
        QJsonObject params;
    };
    std::optional<Pending> pending_;  // the newest request that arrived while a load ran
};

}  // namespace hpt::gui
