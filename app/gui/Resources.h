#pragma once
// Files shipped beside hpt (example experiments, the dataset download script
// and its manifest): the installed share/hpt folder, else the source tree hpt
// was built from, so the GUI finds them both installed and in a build folder.
#include <QString>

namespace hpt::gui {

// Absolute path of `rel` under share/hpt (installed) or the source tree's
// matching folder ("experiments/default.json" → resources/experiments/…,
// "datasets/download" → datasets/download); "" when neither has it.
QString resourceFile(const QString& rel);

}  // namespace hpt::gui
