#include "gui/ChildRender.h"

#include <hpt/Error.h>

#include <QApplication>
#include <QCoreApplication>
#include <QJsonDocument>
#include <QProcess>
#include <cstdio>

namespace hpt::gui {

bool drawHere(const std::function<void()>& draw) {
    if (qobject_cast<QApplication*>(QCoreApplication::instance())) {
        draw();
        return true;
    }
    if (QCoreApplication::instance()) return false;
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    int argc = 1;
    char name[] = "hpt";
    char* argv[] = {name, nullptr};
    QApplication app(argc, argv);
    draw();
    return true;
}

QJsonObject renderInChild(const char* envName, const QJsonObject& request, const QString& where) {
    QProcess child;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(envName, QString::fromUtf8(QJsonDocument(request).toJson(QJsonDocument::Compact)));
    env.insert("QT_QPA_PLATFORM", "offscreen");
    child.setProcessEnvironment(env);
    child.start(QCoreApplication::applicationFilePath(), {});
    if (!child.waitForFinished(300000) || child.exitStatus() != QProcess::NormalExit)
        throw Error(ErrorKind::Internal, where.toStdString(), "the chart renderer did not finish; try again or use the GUI");
    const QByteArray out = child.readAllStandardOutput();
    if (child.exitCode() != 0) {
        const QString err = QString::fromUtf8(child.readAllStandardError()).trimmed();
        const QJsonObject e = QJsonDocument::fromJson(err.toUtf8()).object();
        if (!e.isEmpty())
            throw Error(ErrorKind(e.value("kind").toInt()), e.value("where").toString().toStdString(),
                        e.value("message").toString().toStdString());
        throw Error(ErrorKind::Internal, where.toStdString(),
                    err.isEmpty() ? "the chart renderer failed" : "the chart renderer failed: " + err.toStdString());
    }
    return QJsonDocument::fromJson(out).object();
}

int answerInChild(const char* envName, const std::function<QJsonObject(const QJsonObject& request)>& draw) {
    if (!qEnvironmentVariableIsSet(envName)) return -1;
    try {
        const QJsonObject answer = draw(QJsonDocument::fromJson(qgetenv(envName)).object());
        if (!answer.isEmpty()) std::fputs(QJsonDocument(answer).toJson(QJsonDocument::Compact).constData(), stdout);
        return 0;
    } catch (const Error& e) {
        QString msg = QString::fromUtf8(e.what());
        const QString where = QString::fromStdString(e.where());
        if (msg.startsWith(where + ": ")) msg = msg.mid(where.size() + 2);
        std::fputs(QJsonDocument(QJsonObject{{"kind", int(e.kind())}, {"where", where}, {"message", msg}})
                       .toJson(QJsonDocument::Compact)
                       .constData(),
                   stderr);
        return 1;
    } catch (const std::exception& e) {
        std::fputs(e.what(), stderr);
        return 1;
    }
}

}  // namespace hpt::gui
