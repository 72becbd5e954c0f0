// Declares API version 0: the host must reject it without running its code.
#include <QObject>
#include <QtPlugin>

class WrongApi {
public:
    virtual ~WrongApi() = default;
};
Q_DECLARE_INTERFACE(WrongApi, "org.hpt.ModelPlugin/0")

class WrongApiPlugin : public QObject, public WrongApi {
    Q_OBJECT
    Q_PLUGIN_METADATA(IID "org.hpt.ModelPlugin/0" FILE "wrongapi.json")
    Q_INTERFACES(WrongApi)
};

#include "WrongApiPlugin.moc"
