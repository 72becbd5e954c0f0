#include "cost/Mapping.h"

#include <hpt/Error.h>
#include <hpt/Params.h>

namespace hpt {

namespace {

const char* const kOpNames[] = {"weight_gemm", "adapter_gemm", "attention_score", "attention_value", "elementwise",
                                "normalization", "softmax", "optimizer_update", "weight_gradient"};
constexpr int kWeightGradient = 8;

// Ops whose stored operand is a weight: the only ones a crossbar can hold.
bool reramCapable(int op) { return op == 0 || op == 1; }

QString rulesHelp() {
    return "a rule key is <FULL|DUAL|LORA|*>.<op>[.frozen|.trainable] with op one of " +
           Mapping::opNames().join(", ");
}

}  // namespace

Mapping::Mapping() { *this = preset("hpt"); }

QStringList Mapping::presetNames() { return {"gpu-only", "hpt", "reram-naive"}; }
QStringList Mapping::roles() { return {"gpu", "systolic", "reram"}; }
QStringList Mapping::opNames() {
    QStringList out;
    for (const char* n : kOpNames) out << n;
    return out;
}

int Mapping::opIndex(const Op& op) {
    if (op.pass == Pass::BackwardWeight && (op.kind == OpKind::WeightGemm || op.kind == OpKind::AdapterGemm))
        return kWeightGradient;
    return int(op.kind);
}

Mapping Mapping::preset(const QString& name) {
    Mapping m(0);
    m.preset_ = name;
    for (auto& phase : m.table_)
        for (auto& op : phase) op = {"gpu", "gpu"};
    if (name == "gpu-only") return m;
    if (name == "hpt") {
        auto& lora = m.table_[int(Phase::Lora)];
        for (auto& op : lora) op = {"systolic", "systolic"};
        lora[int(OpKind::WeightGemm)][1] = "reram";  // frozen weights live in crossbars
        return m;
    }
    if (name == "reram-naive") {
        for (auto& phase : m.table_) {
            phase[int(OpKind::WeightGemm)] = {"reram", "reram"};
            phase[int(OpKind::AdapterGemm)] = {"reram", "reram"};
        }
        return m;
    }
    const QString hint = nearestName(name, presetNames());
    throw configError("mapping.preset", QString("unknown mapping preset '%1'%2; available: %3")
                                            .arg(name, hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint),
                                                 presetNames().join(", "))
                                            .toStdString());
}

Mapping Mapping::fromJson(const QJsonObject& cfg) {
    const QStringList keys{"preset", "overrides", "power", "overlap", "capacity_policy"};
    for (auto it = cfg.begin(); it != cfg.end(); ++it)
        if (!keys.contains(it.key())) {
            const QString hint = nearestName(it.key(), keys);
            throw configError(("mapping." + it.key()).toStdString(),
                              QString("unknown key%1; a mapping has \"preset\", \"overrides\", \"power\", \"overlap\" "
                                      "and \"capacity_policy\"")
                                  .arg(hint.isEmpty() ? "" : QString(" (did you mean '%1'?)").arg(hint))
                                  .toStdString());
        }
    const QJsonValue p = cfg.value("preset");
    if (!p.isUndefined() && !p.isString())
        throw configError("mapping.preset", "expected a string: one of " + presetNames().join(", ").toStdString());
    Mapping m = preset(p.toString("hpt"));
    const QJsonValue ov = cfg.value("overrides");
    if (!ov.isUndefined() && !ov.isObject())
        throw configError("mapping.overrides", "expected an object {\"LORA.attention_score\": \"gpu\", ...}");
    const QJsonObject o = ov.toObject();
    // Apply general rules before specific ones so "LORA.weight_gemm.frozen" beats "*.weight_gemm".
    for (int pass = 0; pass < 4; ++pass)
        for (auto it = o.begin(); it != o.end(); ++it) {
            const QStringList parts = it.key().split('.');
            const int specificity = (parts.value(0) != "*" ? 1 : 0) + (parts.size() > 2 ? 2 : 0);
            if (specificity != pass) continue;
            const QString field = "mapping.overrides." + it.key();
            if (!it.value().isString())
                throw configError(field.toStdString(), "expected a device role: " + roles().join(", ").toStdString());
            m.set(it.key(), it.value().toString(), field);
        }
    m.overrides_ = o;

    const QJsonValue ol = cfg.value("overlap");
    if (!ol.isUndefined() && !ol.isBool()) throw configError("mapping.overlap", "expected true or false");
    m.overlap_ = ol.toBool(false);
    const QJsonValue cp = cfg.value("capacity_policy");
    if (!cp.isUndefined() && cp.toString() != "chips" && cp.toString() != "reprogram")
        throw configError("mapping.capacity_policy", "expected \"chips\" (price more chips) or \"reprogram\" "
                                                     "(rewrite the weights that do not fit in every step)");
    m.capacityPolicy_ = cp.toString("chips");
    const QJsonValue pw = cfg.value("power");
    if (!pw.isUndefined() && !pw.isObject())
        throw configError("mapping.power", "expected an object {\"LORA.gpu\": \"idle\", ...}");
    const QJsonObject po = pw.toObject();
    // General ("*.gpu") before specific ("LORA.gpu").
    for (int pass = 0; pass < 2; ++pass)
        for (auto it = po.begin(); it != po.end(); ++it) {
            const QStringList parts = it.key().split('.');
            if ((parts.value(0) != "*" ? 1 : 0) != pass) continue;
            const std::string field = ("mapping.power." + it.key()).toStdString();
            if (parts.size() != 2) throw configError(field, "a power key is <FULL|DUAL|LORA|*>.<gpu|systolic|reram>");
            std::vector<int> phases;
            Phase ph;
            if (parts[0] == "*") phases = {0, 1, 2};
            else if (parsePhase(parts[0].toStdString(), &ph)) phases = {int(ph)};
            else throw configError(field, "unknown phase '" + parts[0].toStdString() + "'; use FULL, DUAL, LORA or *");
            const int role = roles().indexOf(parts[1]);
            if (role < 0) throw configError(field, "unknown device role '" + parts[1].toStdString() + "'; use gpu, systolic or reram");
            const QString state = it.value().toString();
            if (!QStringList{"on", "idle", "off", "auto"}.contains(state))
                throw configError(field, "expected \"on\", \"idle\", \"off\" or \"auto\"");
            for (int p : phases) m.power_[size_t(p)][size_t(role)] = state == "auto" ? QString() : state;
        }
    m.powerJson_ = po;
    return m;
}

QString Mapping::power(Phase phase, const QString& role) const {
    const int r = roles().indexOf(role);
    if (r < 0) return "auto";
    const QString& s = power_[size_t(phase)][size_t(r)];
    return s.isEmpty() ? QString("auto") : s;
}

void Mapping::set(const QString& key, const QString& role, const QString& fieldIn) {
    const QString field = fieldIn.isEmpty() ? "mapping.overrides." + key : fieldIn;
    auto fail = [&](const QString& why) { throw configError(field.toStdString(), why.toStdString()); };
    const QStringList parts = key.split('.');
    if (parts.size() < 2 || parts.size() > 3) fail("malformed rule; " + rulesHelp());
    std::vector<int> phases;
    if (parts[0] == "*") phases = {0, 1, 2};
    else {
        Phase ph;
        if (!parsePhase(parts[0].toStdString(), &ph)) fail("unknown phase '" + parts[0] + "'; " + rulesHelp());
        phases = {int(ph)};
    }
    const int op = opNames().indexOf(parts[1]);
    if (op < 0) {
        const QString hint = nearestName(parts[1], opNames());
        fail("unknown op '" + parts[1] + "'" + (hint.isEmpty() ? "" : " (did you mean '" + hint + "'?)") + "; " +
             rulesHelp());
    }
    std::vector<int> frozen = {0, 1};
    if (parts.size() == 3) {
        if (parts[2] == "frozen") frozen = {1};
        else if (parts[2] == "trainable") frozen = {0};
        else fail("the third part must be 'frozen' or 'trainable', got '" + parts[2] + "'");
    }
    if (!roles().contains(role)) {
        const QString hint = nearestName(role, roles());
        fail("unknown device role '" + role + "'" + (hint.isEmpty() ? "" : " (did you mean '" + hint + "'?)") +
             "; use one of " + roles().join(", "));
    }
    if (role == "reram" && !reramCapable(op))
        fail("'" + parts[1] + "' cannot run on ReRAM: a crossbar holds a stored weight operand, so only weight_gemm "
             "and adapter_gemm may map to reram; use gpu or systolic");
    for (int ph : phases)
        for (int f : frozen) table_[ph][op][f] = role;
    overrides_.insert(key, role);
}

QString Mapping::deviceFor(const Op& op, Phase phase) const {
    // A frozen weight has no gradient: such an op breaks the trace contract
    // (hpt/Model.h) and is placed nowhere.
    if (op.pass == Pass::BackwardWeight && op.weightFrozen) return QString();
    return table_[int(phase)][opIndex(op)][op.weightFrozen ? 1 : 0];
}

QJsonObject Mapping::toJson() const {
    QJsonObject table;
    for (int ph = 0; ph < 3; ++ph) {
        QJsonObject row;
        for (int op = 0; op < kOps; ++op) {
            if (table_[ph][op][0] == table_[ph][op][1]) row.insert(kOpNames[op], table_[ph][op][0]);
            else {
                row.insert(QString(kOpNames[op]) + ".trainable", table_[ph][op][0]);
                row.insert(QString(kOpNames[op]) + ".frozen", table_[ph][op][1]);
            }
        }
        table.insert(toString(Phase(ph)), row);
    }
    return {{"preset", preset_}, {"overrides", overrides_}, {"power", powerJson_}, {"overlap", overlap_},
            {"capacity_policy", capacityPolicy_}, {"table", table}};
}

}  // namespace hpt
