#pragma once
// The store sink of a run that may be a resumed one: a resumed run continues
// its stored record (same run id, metrics appended) instead of appearing as a
// second run, so runStarted() becomes StoreSink::resume(runId). With runId 0
// it is the StoreSink itself. Used by batch mode and the GUI alike.
#include "store/StoreSink.h"

#include <cstdint>

namespace hpt {

class ResumingStoreSink : public RunSink {
public:
    ResumingStoreSink(StoreSink& s, int64_t runId) : s_(s), runId_(runId) {}
    void runStarted(const RunStart& r) override { runId_ > 0 ? s_.resume(runId_) : s_.runStarted(r); }
    void metrics(const std::vector<MetricPoint>& m) override { s_.metrics(m); }
    void event(const RunEvent& e) override { s_.event(e); }
    void progress(const Progress& p) override { s_.progress(p); }
    void runFinished(RunStatus st, const QJsonObject& f) override { s_.runFinished(st, f); }
    void sync() override { s_.sync(); }
    std::optional<Error> failure() const override { return s_.failure(); }

private:
    StoreSink& s_;
    int64_t runId_;
};

}  // namespace hpt
