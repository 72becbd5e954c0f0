#include "gui/DataCheck.h"

#include "plugin/PluginHost.h"

#include <hpt/Dataset.h>
#include <hpt/Error.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonDocument>
#include <QPointer>
#include <QThread>

namespace hpt::gui {

DataCheck::DataCheck(const PluginHost& host, QObject* parent) : QObject(parent), host_(host) {}

DataCheck::~DataCheck() {
    if (worker_.joinable()) worker_.join();
}

DataStatus DataCheck::request(const QString& dataset, const QJsonObject& params, const QString& dataDir) {
    const PluginSpec* rec = host_.find(PluginKind::Dataset, dataset);
    if (!rec) return {DataStatus::Failed, false, QString("no dataset plugin '%1' is loaded").arg(dataset), "dataset.name"};
    if (rec->meta.value("synthetic").toBool()) return {DataStatus::Ok, true, {}, {}};
    const QString key = dataset + '\n' + dataDir + '\n' + QJsonDocument(params).toJson(QJsonDocument::Compact);
    if (auto it = results_.find(key); it != results_.end()) return it->second;
    if (running_) pending_ = Pending{key, dataset, dataDir, params};
    else startLocked(key, dataset, params, dataDir);
    return {};
}

void DataCheck::forget() { results_.clear(); }

void DataCheck::startLocked(const QString& key, const QString& dataset, const QJsonObject& params, const QString& dataDir) {
    if (worker_.joinable()) worker_.join();
    running_ = true;
    const DatasetPlugin* plugin = host_.dataset(dataset);
    QPointer<DataCheck> self(this);
    worker_ = std::thread([self, plugin, key, params, dataDir] {
        DataStatus s;
        try {
            if (!plugin) throw pluginError(key.section('\n', 0, 0).toStdString(), "is not loaded");
            auto data = plugin->load(params, dataDir);
            s.state = DataStatus::Ok;
            s.synthetic = data && data->info().synthetic;
        } catch (const Error& e) {
            const QString what = QString::fromUtf8(e.what());
            s.state = what.contains("file not found") || what.contains("not found") ? DataStatus::Missing : DataStatus::Failed;
            s.where = QString::fromStdString(e.where());
            s.message = what;
        } catch (const std::exception& e) {
            s.state = DataStatus::Failed;
            s.message = QString::fromUtf8(e.what());
        }
        // Back on the GUI thread; `self` is checked there, where the object lives.
        QMetaObject::invokeMethod(qApp, [self, key, s] { if (self) self->finishedOnGuiThread(key, s); }, Qt::QueuedConnection);
    });
}

void DataCheck::finishedOnGuiThread(const QString& key, const DataStatus& s) {
    running_ = false;
    results_[key] = s;
    if (pending_) {
        const Pending p = *pending_;
        pending_.reset();
        if (!results_.count(p.key)) startLocked(p.key, p.dataset, p.params, p.dataDir);
    }
    emit checked();
}

bool DataCheck::waitForIdle(int timeoutMs) {
    QElapsedTimer t;
    t.start();
    while ((running_ || pending_) && t.elapsed() < timeoutMs) {
        QCoreApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
    return !running_ && !pending_;
}

}  // namespace hpt::gui
