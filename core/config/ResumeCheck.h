#pragma once
// Resume is exact: a resumed run continues with the fully resolved
// configuration it was stored with. A configuration given on the command line
// (an experiment file, --set) may differ only in keys that do not change what
// trains: where output goes (name, checkpoint.dir, checkpoint.every), where it
// runs (training.torch_device, training.threads) and how long it trains
// (training.max_steps, training.epochs, which extend the run).
#include <QJsonObject>
#include <QStringList>

namespace hpt {

// Keys allowed to differ on resume (dotted).
const QStringList& resumeAllowedKeys();

// "key: stored → given" for every dotted key whose value differs between the two resolved
// configurations, except the allowed ones; empty when the resume is exact.
QStringList resumeDifferences(const QJsonObject& stored, const QJsonObject& given);

}  // namespace hpt
