#pragma once
// Drawing widgets needs a QApplication, which the CLI (a QCoreApplication)
// does not have. The CLI therefore asks a child process of this executable to
// draw: the request travels in an environment variable, the child (Gui.cpp's
// run()) performs it and prints its JSON answer on stdout, or an hpt::Error as
// JSON on stderr so that the parent rethrows the same error.
#include <QJsonObject>
#include <QString>

#include <functional>

namespace hpt::gui {

// Runs `draw` in this process when widgets can be drawn here: a QApplication
// exists, or no application exists yet (one offscreen QApplication is made
// for the call). Returns false, without running it, under a QCoreApplication
// (the CLI): the caller then asks a child process with renderInChild.
bool drawHere(const std::function<void()>& draw);

// Runs this executable with `envName` = the request (compact JSON) and
// QT_QPA_PLATFORM=offscreen; returns the child's stdout parsed as JSON (an
// empty object when it printed none). Rethrows the child's hpt::Error; throws
// hpt::Error (Internal, where) when it crashes or takes longer than 5 minutes.
QJsonObject renderInChild(const char* envName, const QJsonObject& request, const QString& where);

// The child side: -1 when `envName` is not set; otherwise performs `draw` on
// the request, prints its answer on stdout and returns 0, or reports its
// error on stderr and returns 1.
int answerInChild(const char* envName, const std::function<QJsonObject(const QJsonObject& request)>& draw);

}  // namespace hpt::gui
