#include "cost/StepCoster.h"

#include "config/Experiment.h"
#include "plugin/PluginHost.h"

#include <hpt/Error.h>
#include <hpt/Params.h>

#include <QJsonArray>
#include <algorithm>
#include <cmath>
#include <set>

namespace hpt {

namespace {


// A weight's stored operand is identified by its forward GEMM.
bool storesWeight(const Op& op) {
    return op.pass == Pass::Forward && (op.kind == OpKind::WeightGemm || op.kind == OpKind::AdapterGemm);
}

// Activation values an op reads: what crosses the link when the previous op ran
// on another tier (docs/devices.md "Data movement").
double inputValues(const Op& op) {
    const double r = double(op.repeat);
    if (!op.isGemm()) return double(op.elements) * r;
    const bool twoActivations = op.kind == OpKind::AttentionScore || op.kind == OpKind::AttentionValue ||
                                op.pass == Pass::BackwardWeight;
    return r * (double(op.m) * double(op.k) + (twoActivations ? double(op.k) * double(op.n) : 0.0));
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
    // Each role's default plugin and preset: the experiment's built-in "devices" block.
    const QJsonObject defaults = builtinExperimentDefaults().value("devices").toObject();
    for (const QString& role : Mapping::roles()) {
        const QString defaultPlugin = defaults.value(role).toObject().value("plugin").toString(role);
        const QString defaultPreset = defaults.value(role).toObject().value("preset").toString();
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
        const QString plugin = c.value("plugin").toString(defaultPlugin);
        const PluginRecord* rec = host.find(PluginKind::Device, plugin);
        if (!rec) {
            if (!explicitRole) continue;  // a default role whose plugin is absent: priced only if used
            rec = &host.require(PluginKind::Device, plugin);  // throws, naming what is loaded
        }
        const QJsonObject presets = rec->meta.value("presets").toObject();
        // The role's default preset only applies to the role's default plugin.
        QString preset = c.value("preset").toString(plugin == defaultPlugin ? defaultPreset : "");
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
        devices_[role.toStdString()] = std::move(dev);
    }
    described_ = QJsonObject{{"mapping", mapping_.toJson()}, {"devices", described}};
}

StepCoster::~StepCoster() = default;

const Device* StepCoster::device(const std::string& role) const {
    auto it = devices_.find(role);
    return it == devices_.end() ? nullptr : it->second.get();
}

int StepCoster::weightIndex(const Op& op, bool loraCopy, const std::string& role) {
    // Θ and its LoRA copy Θ′ share parameter names but sit in different
    // crossbars; a trace with adapters is Θ′'s (in DUAL both train side by side).
    const std::string key = (op.param.empty() ? std::to_string(op.k) + "x" + std::to_string(op.n) : op.param) +
                            (loraCopy ? "'" : "") + (op.weightFrozen ? "#frozen" : "#trainable");
    auto it = weightByName_.find(key);
    if (it != weightByName_.end()) return it->second;
    Weight w;
    w.name = op.param;
    w.role = role;
    w.k = op.k;
    w.n = op.n;
    if (const Device* dev = device(role)) w.cells = dev->programWeights(op.k, op.n).cellWrites;
    weights_.push_back(w);
    weightByName_[key] = int(weights_.size()) - 1;
    return int(weights_.size()) - 1;
}

StepCoster::Storage StepCoster::storage(const std::string& role, const Trace& trace, Phase phase) const {
    Storage st;
    const Device* dev = device(role);
    if (!dev || dev->storageCapacity() <= 0) return st;
    st.capacity = dev->storageCapacity();
    std::set<std::string> seen;
    bool passes[2] = {false, false};
    Cost program;
    for (const auto& op : trace.ops) {
        if (!op.isGemm() || op.kind == OpKind::AttentionScore || op.kind == OpKind::AttentionValue) continue;
        if (mapping_.deviceFor(op, phase).toStdString() != role || op.pass == Pass::BackwardWeight) continue;
        if (op.pass == Pass::Forward || op.pass == Pass::BackwardData) passes[op.pass == Pass::Forward ? 0 : 1] = true;
        if (!storesWeight(op)) continue;
        const std::string key = op.param.empty() ? std::to_string(op.k) + "x" + std::to_string(op.n) : op.param;
        if (!seen.insert(key + (op.weightFrozen ? "#f" : "#t")).second) continue;
        st.needed += dev->storageUnits(op.k, op.n);
        if (op.weightFrozen) program += dev->programWeights(op.k, op.n);
    }
    st.passes = double(passes[0]) + double(passes[1]);
    if (st.needed <= st.capacity) return st;
    if (mapping_.capacityPolicy() == "chips") {
        st.chips = std::ceil(st.needed / st.capacity);
    } else {
        // One chip: every pass over the weights streams the part that does not
        // fit through the crossbars again (weights are written in the order the
        // pass needs them; the resident part stays).
        st.overflowFraction = (st.needed - st.capacity) / st.needed;
        st.rewritePerStep = program.scaled(st.overflowFraction * st.passes);
    }
    return st;
}

StepCoster::Priced StepCoster::price(const Trace& trace, Phase phase) {
    Priced p;
    std::set<int> rewritten;
    const bool loraCopy = hasAdapters(trace);
    struct RoleOps {
        std::vector<const Op*> ops;
        std::vector<Cost> costs;
        Cost serialExtra;  // rewrites: not part of the compute pipeline
    };
    std::map<std::string, RoleOps> byRole;
    std::string previous;
    for (const auto& op : trace.ops) {
        const std::string role = mapping_.deviceFor(op, phase).toStdString();
        if (role.empty()) continue;
        const Device* dev = device(role);
        if (!dev)
            throw pluginError(role, "the mapping sends " + std::string(toString(op.kind)) + " ops to '" + role +
                                        "' but no device is configured for that role; add devices." + role +
                                        " to the experiment or load its plugin");
        if (mapping_.power(phase, QString::fromStdString(role)) == "off")
            throw configError(("mapping.power." + std::string(toString(phase)) + "." + role),
                              "the mapping sends " + std::string(toString(op.kind)) + " ops to '" + role +
                                  "' in " + toString(phase) + " but powers it off; power it on or map the ops elsewhere");
        auto& r = byRole[role];
        if (!previous.empty() && previous != role) {
            const double values = inputValues(op);
            r.serialExtra += dev->receive(values);
            p.price.valuesMoved += values;
        }
        previous = role;
        r.ops.push_back(&op);
        r.costs.push_back(dev->compute(op));
        if (dev->storageCapacity() > 0 && storesWeight(op) && !op.weightFrozen) {
            const int idx = weightIndex(op, loraCopy, role);
            if (rewritten.insert(idx).second) {
                p.rewrites.push_back(idx);
                r.serialExtra += dev->programWeights(op.k, op.n);  // the optimizer step rewrites its cells
            }
        }
    }
    // Time per role: the device decides how its ops overlap (ReRAM pipelines).
    std::map<std::string, double> chips;
    for (auto& [role, r] : byRole) {
        const Device* dev = device(role);
        const Storage st = storage(role, trace, phase);
        const double replication = st.needed > 0 && st.overflowFraction == 0 ? st.chips * st.capacity / st.needed : 1.0;
        Cost c;
        for (const auto& x : r.costs) c += x;
        c.setSeconds(dev->stepSeconds(r.ops, r.costs, replication));
        c += r.serialExtra;
        c += st.rewritePerStep;
        if (st.overflowFraction > 0) {
            p.overflowWritesPerCell = st.passes * std::ceil(st.overflowFraction * st.needed / st.capacity);
            p.overflowCells = st.rewritePerStep.cellWrites;
        }
        chips[role] = st.chips;
        p.price.perRole[role] = c;
    }
    double stepS = 0;
    for (const auto& [role, c] : p.price.perRole) stepS = mapping_.overlap() ? std::max(stepS, c.seconds) : stepS + c.seconds;
    // Static power of every powered role for the whole step.
    for (const QString& roleQ : Mapping::roles()) {
        const std::string role = roleQ.toStdString();
        const Device* dev = device(role);
        if (!dev) continue;
        const QString state = mapping_.power(phase, roleQ);
        const bool runs = byRole.count(role) > 0;
        const bool powered = state == "on" || state == "idle" || (state == "auto" && runs);
        if (!powered) continue;
        const double n = chips.count(role) ? chips[role] : 1.0;
        p.price.perRole[role].add(Component::Static, 0, dev->staticPowerW() * n * stepS);
    }
    p.price.seconds = stepS;
    for (const auto& [role, c] : p.price.perRole) p.price.joules += c.joules;
    return p;
}

StepPrice StepCoster::stepPrice(const Trace& trace, Phase phase) {
    const uint64_t key = traceSignature(trace) * 31 + uint64_t(phase);
    auto it = cache_.find(key);
    if (it == cache_.end()) it = cache_.emplace(key, price(trace, phase)).first;
    for (int idx : it->second.rewrites) {
        Weight& w = weights_[size_t(idx)];
        w.writesPerCell += 1;
        w.resident = true;
        cellWritesTotal_ += w.cells;
    }
    if (it->second.overflowWritesPerCell > 0) {
        overflowWritesPerCell_ += it->second.overflowWritesPerCell;
        cellWritesTotal_ += it->second.overflowCells;
    }
    return it->second.price;
}

std::map<std::string, Cost> StepCoster::enterPhase(Phase phase, const Trace& trace) {
    std::map<std::string, Cost> out;
    const bool loraCopy = hasAdapters(trace);
    for (const auto& op : trace.ops) {
        if (!storesWeight(op) || !op.weightFrozen) continue;
        const std::string role = mapping_.deviceFor(op, phase).toStdString();
        const Device* dev = device(role);
        if (!dev || dev->storageCapacity() <= 0) continue;  // only storing devices keep weights across steps
        Weight& w = weights_[size_t(weightIndex(op, loraCopy, role))];
        if (w.resident) continue;  // a frozen weight is written once, however often phases start
        out[role] += dev->programWeights(op.k, op.n);
        w.writesPerCell += 1;
        w.resident = true;
        cellWritesTotal_ += w.cells;
    }
    return out;
}

QJsonObject StepCoster::capacity(const Trace& trace, Phase phase) const {
    for (const QString& roleQ : Mapping::roles()) {
        const std::string role = roleQ.toStdString();
        const Device* dev = device(role);
        if (!dev || dev->storageCapacity() <= 0) continue;
        const Storage st = storage(role, trace, phase);
        if (st.needed <= 0) continue;
        return QJsonObject{{"role", roleQ},
                           {"crossbars_needed", st.needed},
                           {"crossbars_available", st.capacity},
                           {"chips", st.chips},
                           {"policy", mapping_.capacityPolicy()},
                           {"fits", st.needed <= st.capacity},
                           {"reprogram_writes_per_step", st.rewritePerStep.cellWrites}};
    }
    return {};
}

QJsonObject StepCoster::wear() const {
    double maxWrites = 0, crossbars = 0, capacity = 0, endurance = 0;
    int64_t resident = 0;
    for (const auto& w : weights_) {
        if (!w.resident) continue;
        maxWrites = std::max(maxWrites, w.writesPerCell);
        const Device* dev = device(w.role);
        if (dev) crossbars += dev->storageUnits(w.k, w.n);
        ++resident;
    }
    // Storage rotated by the "reprogram" policy wears on top of the first programming.
    maxWrites = std::max(maxWrites, (maxWrites > 0 ? maxWrites : 0) + overflowWritesPerCell_);
    for (const auto& [role, dev] : devices_)
        if (dev->storageCapacity() > 0) {
            capacity = dev->storageCapacity();
            endurance = dev->endurance();
        }
    QJsonObject o{{"max_writes_per_cell", maxWrites},
                  {"endurance", endurance},
                  {"cell_writes_total", cellWritesTotal_},
                  {"crossbars_used", crossbars},
                  {"crossbars_available", capacity},
                  {"chips", capacity > 0 ? std::max(1.0, std::ceil(crossbars / capacity)) : 0.0},
                  {"capacity_policy", mapping_.capacityPolicy()},
                  {"fits", crossbars <= capacity},
                  {"weights_resident", double(resident)}};
    o.insert("endurance_used_pct", endurance > 0 ? 100.0 * maxWrites / endurance : 0.0);
    // Runs until the most-written cell wears out if every run writes like this one so far.
    o.insert("projected_lifetime_runs", endurance > 0 && maxWrites > 0 ? QJsonValue(endurance / maxWrites) : QJsonValue());
    return o;
}

QJsonObject StepCoster::describe() const { return described_; }

StepPrice priceSteps(const PluginHost& host, const QJsonObject& mappingConfig, const QJsonObject& devicesConfig,
                     const Trace& thetaTrace, const Trace& loraTrace, const std::array<int64_t, 3>& steps) {
    StepCoster coster(host, mappingConfig, devicesConfig);
    StepPrice total;
    auto add = [&](const std::map<std::string, Cost>& m, double times) {
        for (const auto& [role, c] : m) {
            const Cost s = c.scaled(times);
            total.perRole[role] += s;
            total.joules += s.joules;
        }
    };
    for (int ph = 0; ph < 3; ++ph) {
        if (steps[size_t(ph)] <= 0) continue;
        const Phase phase = Phase(ph);
        const double n = double(steps[size_t(ph)]);
        // One model's part of the phase: entering it once, then n steps (Θ in FULL and DUAL, Θ′ in DUAL and LORA).
        const auto price = [&](const Trace& trace) {
            const auto e = coster.enterPhase(phase, trace);
            add(e, 1);
            for (const auto& [r, c] : e) total.seconds += c.seconds;
            const StepPrice s = coster.stepPrice(trace, phase);
            add(s.perRole, n);
            total.seconds += s.seconds * n;
        };
        if (phase != Phase::Lora) price(thetaTrace);
        if (phase != Phase::Full) price(loraTrace);
    }
    return total;
}

QJsonObject costBreakdownJson(const Cost& c) {
    QJsonObject parts;
    for (int i = 0; i < kComponents; ++i)
        if (c.time[size_t(i)] != 0 || c.energy[size_t(i)] != 0)
            parts.insert(toString(Component(i)), QJsonObject{{"time_s", c.time[size_t(i)]}, {"energy_j", c.energy[size_t(i)]}});
    return {{"cycles", c.cycles}, {"time_s", c.seconds}, {"energy_j", c.joules}, {"cell_writes", c.cellWrites},
            {"components", parts}};
}

}  // namespace hpt
