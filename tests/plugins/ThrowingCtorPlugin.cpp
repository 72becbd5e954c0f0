// A model plugin whose constructor throws: the host must reject it with the
// reason (and keep running), and an experiment that names it must fail as a
// plugin error naming it. Built into the faulty-plugin folder.
#include <hpt/Model.h>

#include <QObject>

#include <stdexcept>

class ThrowingCtorPlugin : public QObject, public hpt::ModelPlugin {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID HPT_MODEL_IID FILE "throwingctor.json")
    Q_INTERFACES(hpt::ModelPlugin)
public:
    ThrowingCtorPlugin() { throw std::runtime_error("throwingctor: cannot initialise (thrown on purpose)"); }
    std::unique_ptr<hpt::Model> create(const hpt::ModelShape&, const QJsonObject&) const override { return nullptr; }
};

#include "ThrowingCtorPlugin.moc"
