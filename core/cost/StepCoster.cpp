#include "cost/StepCoster.h"

#include "plugin/PluginHost.h"

#include <hpt/Error.h>
#include <hpt/Params.h>

#include <QJsonArray>
#include <cmath>
#include <set>

namespace hpt {

namespace {

struct RoleDefault {
    const char* role;
    const char* plugin;
    const char* preset;
};
// docs/experiment.md "devices" defaults.
const RoleDefault kDefaults[] = {{"gpu", "gpu", "H100"}, {"systolic", "systolic", "default"}, {"reram", "reram", "isaac"}};

int64_t ceilDiv(int64_t a, int64_t b) { return b > 0 ? (a + b - 1) / b : 0; }

// A weight's stored operand is identified by its forward GEMM.
bool storesWeight(const Op& op) {
    return op.pass == Pass::Forward && (op.kind == OpKind::WeightGemm || op.kind == OpKind::AdapterGemm);
}

bool hasAdapters(const Trace& trace) {
    for (const auto& op : trace.ops)
        if (op.kind == OpKind::AdapterGemm) return true;
    return false;
}

}  // namespace

uint64_t traceSignature(const Trace& trace) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a
    auto mix = [&](uint64_t v) {
        for (int i = 0; i < 8; ++i) {
            h ^= (v >> (8 * i)) & 0xff;
            h *= 1099511628211ull;
        }
    };
    mix(trace.ops.size());
    for (const auto& op : trace.ops) {
        mix(uint64_t(op.kind) | uint64_t(op.pass) << 8 | uint64_t(op.weightFrozen) << 16);
        mix(uint64_t(op.m));
        mix(uint64_t(op.k));
        mix(uint64_t(op.n));
        mix(uint64_t(op.elements));
        mix(uint64_t(op.repeat));
        mix(std::hash<std::string>()(op.param));
    }
    return h;
}

StepCoster::StepCoster(const PluginHost& host, const QJsonObject& mappingConfig, const QJsonObject& devicesConfig)
    : mapping_(Mapping::fromJson(mappingConfig)) {
    for (auto it = devicesConfig.begin(); it != devicesConfig.end(); ++it)
        if (!Mapping::roles().contains(it.key())) {
            const QString hint = nearestName(it.key(), Mapping::roles());
            throw configError(("devices." + it.key()).toStdString(),
                              QString("unknown device role%1; roles are %2")
                                  .arg(hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint),
                                       Mapping::roles().join(", "))
                                  .toStdString());
        }
    QJsonObject described;
    for (const auto& d : kDefaults) {
        const QString role = d.role;
        const bool explicitRole = devicesConfig.contains(role);
        const QJsonValue cv = devicesConfig.value(role);
        if (explicitRole && !cv.isObject())
            throw configError(("devices." + role).toStdString(),
                              "expected an object {\"plugin\": .., \"preset\": .., \"params\": {..}}");
        const QJsonObject c = cv.toObject();
        for (auto it = c.begin(); it != c.end(); ++it)
            if (it.key() != "plugin" && it.key() != "preset" && it.key() != "params")
                throw configError(("devices." + role + "." + it.key()).toStdString(),
                                  "unknown key; a device entry has \"plugin\", \"preset\" and \"params\"");
        const QString plugin = c.value("plugin").toString(d.plugin);
        const PluginRecord* rec = host.find(PluginKind::Device, plugin);
        if (!rec) {
            if (!explicitRole) continue;  // a default role whose plugin is absent: priced only if used
            rec = &host.require(PluginKind::Device, plugin);  // throws, naming what is loaded
        }
        const QJsonObject presets = rec->meta.value("presets").toObject();
        // The role's default preset only applies to the role's default plugin.
        QString preset = c.value("preset").toString(plugin == d.plugin ? d.preset : "");
        if (!preset.isEmpty() && !presets.contains(preset)) {
            const QString hint = nearestName(preset, presets.keys());
            throw configError(("devices." + role + ".preset").toStdString(),
                              QString("plugin '%1' has no preset '%2'%3; available: %4")
                                  .arg(plugin, preset, hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint),
                                       presets.keys().join(", "))
                                  .toStdString());
        }
        if (c.contains("params") && !c.value("params").isObject())
            throw configError(("devices." + role + ".params").toStdString(), "expected an object of parameter values");
        const QJsonObject params =
            resolveParams(rec->params, presets, preset, c.value("params").toObject(), "devices." + role + ".params");
        auto* dp = qobject_cast<DevicePlugin*>(rec->instance);
        if (!dp) throw pluginError(plugin.toStdString(), "is not a device plugin");
        auto dev = dp->create(params);
        described.insert(role, QJsonObject{{"plugin", plugin}, {"version", rec->version}, {"preset", preset},
                                           {"params", params}, {"describe", dev->describe()}});
        if (role == "reram") {
            rows_ = params.value("crossbar_rows").toInt(128);
            cols_ = params.value("crossbar_cols").toInt(128);
            const int bitsPerCell = params.value("bits_per_cell").toInt(2);
            cellsPerWeight_ = ceilDiv(params.value("weight_bits").toInt(16), std::max(1, bitsPerCell));
            crossbarsPerTile_ = std::max(1, params.value("crossbars_per_tile").toInt(96));
            crossbarsAvailable_ = int64_t(params.value("tiles").toInt(168)) * crossbarsPerTile_;
            endurance_ = dev->endurance();
        }
        devices_[role.toStdString()] = std::move(dev);
    }
    described_ = QJsonObject{{"mapping", mapping_.toJson()}, {"devices", described}};
}

StepCoster::~StepCoster() = default;

const Device* StepCoster::device(const std::string& role) const {
    auto it = devices_.find(role);
    return it == devices_.end() ? nullptr : it->second.get();
}

int64_t StepCoster::crossbarsFor(int64_t k, int64_t n) const {
    return ceilDiv(k, rows_) * ceilDiv(n * cellsPerWeight_, cols_);
}

int StepCoster::weightIndex(const Op& op, bool loraCopy) {
    // Θ and its LoRA copy Θ′ share parameter names but sit in different
    // crossbars; a trace with adapters is Θ′'s (in DUAL both train side by side).
    const std::string key = (op.param.empty() ? std::to_string(op.k) + "x" + std::to_string(op.n) : op.param) +
                            (loraCopy ? "'" : "") + (op.weightFrozen ? "#frozen" : "#trainable");
    auto it = weightByName_.find(key);
    if (it != weightByName_.end()) return it->second;
    Weight w;
    w.name = op.param;
    w.k = op.k;
    w.n = op.n;
    weights_.push_back(w);
    weightByName_[key] = int(weights_.size()) - 1;
    return int(weights_.size()) - 1;
}

StepCoster::Priced StepCoster::price(const Trace& trace, Phase phase) {
    Priced p;
    std::set<int> rewritten;
    const bool loraCopy = hasAdapters(trace);
    for (const auto& op : trace.ops) {
        const std::string role = mapping_.deviceFor(op, phase).toStdString();
        if (role.empty()) continue;
        const Device* dev = device(role);
        if (!dev)
            throw pluginError(role, "the mapping sends " + std::string(toString(op.kind)) + " ops to '" + role +
                                        "' but no device is configured for that role; add devices." + role +
                                        " to the experiment or load its plugin");
        p.perRole[role] += dev->compute(op);
        if (role == "reram" && storesWeight(op) && !op.weightFrozen) {
            const int idx = weightIndex(op, loraCopy);
            if (rewritten.insert(idx).second) {
                p.rewrites.push_back(idx);
                p.perRole[role] += dev->programWeights(op.k, op.n);  // the optimizer step rewrites its cells
            }
        }
    }
    return p;
}

std::map<std::string, Cost> StepCoster::stepCost(const Trace& trace, Phase phase) {
    const uint64_t key = traceSignature(trace) * 31 + uint64_t(phase);
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, price(trace, phase)).first;
    for (int idx : it->second.rewrites) {
        Weight& w = weights_[size_t(idx)];
        w.writesPerCell += 1;
        w.resident = true;
        cellWritesTotal_ += double(w.k) * double(w.n) * double(cellsPerWeight_);
    }
    return it->second.perRole;
}

std::map<std::string, Cost> StepCoster::enterPhase(Phase phase, const Trace& trace) {
    std::map<std::string, Cost> out;
    const bool loraCopy = hasAdapters(trace);
    for (const auto& op : trace.ops) {
        if (!storesWeight(op) || !op.weightFrozen) continue;
        const std::string role = mapping_.deviceFor(op, phase).toStdString();
        if (role != "reram") continue;
        const Device* dev = device(role);
        if (!dev) throw pluginError(role, "the mapping puts frozen weights on ReRAM but no reram device is configured");
        Weight& w = weights_[size_t(weightIndex(op, loraCopy))];
        if (w.resident) continue;  // a frozen weight is written once, however often phases start
        out[role] += dev->programWeights(op.k, op.n);
        w.writesPerCell += 1;
        w.resident = true;
        cellWritesTotal_ += double(w.k) * double(w.n) * double(cellsPerWeight_);
    }
    return out;
}

QJsonObject StepCoster::wear() const {
    double maxWrites = 0;
    int64_t crossbars = 0, resident = 0;
    for (const auto& w : weights_) {
        if (!w.resident) continue;
        maxWrites = std::max(maxWrites, w.writesPerCell);
        crossbars += crossbarsFor(w.k, w.n);
        ++resident;
    }
    QJsonObject o{{"max_writes_per_cell", maxWrites},
                  {"endurance", endurance_},
                  {"cell_writes_total", cellWritesTotal_},
                  {"crossbars_used", double(crossbars)},
                  {"crossbars_available", double(crossbarsAvailable_)},
                  {"tiles_needed", double(ceilDiv(crossbars, crossbarsPerTile_))},
                  {"tiles_available", double(crossbarsAvailable_ / crossbarsPerTile_)},
                  {"fits", crossbars <= crossbarsAvailable_},
                  {"weights_resident", double(resident)}};
    o.insert("endurance_used_pct", endurance_ > 0 ? 100.0 * maxWrites / endurance_ : 0.0);
    // Runs until the most-written cell wears out if every run writes like this one so far.
    o.insert("projected_lifetime_runs", endurance_ > 0 && maxWrites > 0 ? QJsonValue(endurance_ / maxWrites) : QJsonValue());
    return o;
}

QJsonObject StepCoster::describe() const { return described_; }

}  // namespace hpt
