// Feeds: an experiment file plus `--set` overrides to the configuration
// resolver (core/config/Experiment.cpp): part 1 (up to a line "%%") is written
// as the experiment JSON and read with loadExperimentFile; each line of part 2
// is one "dotted.key=value" override. resolveExperiment runs against every
// plugin of the build tree (models, datasets, devices), as `hpt --batch` does.
// Checks: only hpt::Error escapes; a resolved configuration names its model
// and resolves again to itself (resolution is idempotent, so a stored run's
// configuration can be re-run as is).
#include "FuzzSupport.h"

#include "config/Experiment.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    hpt::fuzz::pluginHost();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const auto parts = hpt::fuzz::splitParts(data, size, 2);
    const QString path = hpt::fuzz::writeScratch("experiment.json", parts[0]);
    QStringList sets;
    if (parts.size() > 1)
        for (const auto& line : parts[1].split('\n'))
            if (!line.isEmpty()) sets << QString::fromUtf8(line);
    hpt::fuzz::succeeds([&] {
        const QJsonObject user = hpt::loadExperimentFile(path);
        const QJsonObject resolved = hpt::resolveExperiment(user, hpt::fuzz::pluginHost(), sets);
        HPT_FUZZ_CHECK(!hpt::valueAt(resolved, "model.name").toString().isEmpty());
        HPT_FUZZ_CHECK(hpt::resolveExperiment(resolved, hpt::fuzz::pluginHost()) == resolved);
    });
    return 0;
}
