#pragma once
// The run store a subcommand reads, named the same way everywhere: a
// positional path (`hpt runs STORE.sqlite`, as `hpt STORE.sqlite` opens the
// GUI) or --store FILE, else $HPT_STORE / the per-user store.
#include <QCommandLineParser>
#include <QString>

namespace hpt::cli {

// Adds --store FILE and documents the positional STORE.
void addStoreOption(QCommandLineParser& p);
// The path to read. `given` (optional) says whether the user named one.
// Throws hpt::Error(Config) naming the argument when there is more than one
// positional, or a positional and a different --store.
QString storeArgument(const QCommandLineParser& p, bool* given = nullptr);

}  // namespace hpt::cli
