#pragma once
// Runs a study through the sweep machinery: writes the study's sweep (one
// point per arm × seed) into the study folder and starts `hpt sweep` on it as
// a child process, locally (-j N) or as a Slurm array. The sweep skips runs
// whose summary says they finished, so running the same study again runs only
// what is missing. The child gets SIGTERM if this process dies (a killed study
// never leaves runs training behind unseen), and a second study in the same
// folder waits until an earlier, still-stopping one has exited.
#include "study/StudySpec.h"

#include <QString>
#include <QStringList>
#include <functional>

namespace hpt {
class Store;
}

namespace hpt::study {

struct StudyFolder {
    QString root;       // the study folder (--out)
    QString spec;       // <root>/study-spec.json: what runs, for the record
    QString sweep;      // <root>/study-sweep.json: the sweep that runs it
    QString runs;       // <root>/runs: the sweep's folder (stores, summaries, logs, slurm)
    QString store;      // the store the runs are merged into
};
StudyFolder studyFolder(const QString& root, const QString& store);

// Writes study-spec.json and study-sweep.json (creating the folder). Throws hpt::Error (Config).
void prepareFolder(const StudySpec& spec, const StudyFolder& folder, double alpha);

struct RunnerOptions {
    QString exe;            // the hpt executable
    int jobs = 1;           // local runs at a time
    bool slurm = false;     // write (and with submit, submit) a Slurm array instead
    bool submit = false;
    QStringList extraArgs;  // options passed on to `hpt sweep` (--set, --data-dir, --plugin-dir, Slurm options, ...)
};

class StudyRunner {
public:
    // Each line the sweep prints; called on the calling thread.
    std::function<void(const QString&)> onLine;
    // Polled every 100 ms; true once: the sweep is asked to stop (each run checkpoints).
    std::function<bool()> stopRequested;

    // Runs the sweep to its end; returns its exit code (0 all finished, 130 interrupted, ...).
    int run(const StudyFolder& folder, const RunnerOptions& opt);
};

// Tags every finished run of the study in `store` with its arm and seed
// (idempotent); returns how many runs are tagged.
int tagRuns(Store& store, const StudySpec& spec);

}  // namespace hpt::study
