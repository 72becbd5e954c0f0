#include "lora/AdapterInjector.h"

#include <QJsonArray>

#include <hpt/Error.h>

#include <QRegularExpression>
#include <unordered_map>
#include <unordered_set>

namespace hpt {

// Each wildcard pattern is compiled once per thread, not once per (module, pattern) pair: that
// made setup linear in patterns × modules with a regex compile in each step.
static const QRegularExpression& compiled(const QString& pattern) {
    thread_local std::unordered_map<QString, QRegularExpression> cache;
    auto it = cache.find(pattern);
    if (it != cache.end()) return it->second;
    if (cache.size() > 4096) cache.clear();  // bounded: the schema allows at most 1024 per list
    const QString re = "^" + QRegularExpression::escape(pattern).replace("\\*", ".*") + "$";
    return cache.emplace(pattern, QRegularExpression(re)).first->second;
}

bool matchesPattern(const std::string& name, const QString& pattern) {
    if (!pattern.contains('*')) return QString::fromStdString(name) == pattern;
    return compiled(pattern).match(QString::fromStdString(name)).hasMatch();
}

static bool underModule(const std::string& param, const QString& module) {
    const std::string m = module.toStdString();
    if (!module.contains('*')) return param.compare(0, m.size() + 1, m + ".") == 0;
    // A wildcard pattern names modules: match it against every dotted prefix.
    for (size_t i = param.find('.'); i != std::string::npos; i = param.find('.', i + 1))
        if (matchesPattern(param.substr(0, i), module)) return true;
    return false;
}

std::vector<std::string> adapterTargets(torch::nn::Module& root, const QStringList& targets) {
    // Exact names are looked up in a set; only wildcard patterns are matched one by one.
    std::unordered_set<std::string> exact;
    QStringList wild;
    for (const auto& p : targets) {
        if (p.contains('*')) wild << p;
        else exact.insert(p.toStdString());
    }
    wild.removeDuplicates();
    std::vector<std::string> out;
    for (const auto& item : root.named_modules("", /*include_self=*/false)) {
        if (!item.value()->as<AdaptableLinearImpl>()) continue;
        bool hit = exact.count(item.key()) > 0;
        for (int i = 0; !hit && i < wild.size(); ++i) hit = matchesPattern(item.key(), wild[i]);
        if (hit) out.push_back(item.key());
    }
    return out;
}

static bool isSaved(const std::string& param, const QStringList& modulesToSave) {
    for (const auto& m : modulesToSave)
        if (underModule(param, m)) return true;
    return false;
}

LoraSpec loraSpecFromJson(const QJsonObject& l) {
    LoraSpec spec;
    spec.rank = l.value("rank").isString() ? 0 : l.value("rank").toInteger(spec.rank);
    spec.alpha = l.value("alpha").toDouble(spec.alpha);
    spec.dropout = l.value("dropout").toDouble(spec.dropout);
    if (l.value("targets").isArray()) {
        spec.targets.clear();
        for (const auto& v : l.value("targets").toArray()) spec.targets << v.toString();
    }
    if (l.value("modules_to_save").isArray()) {
        spec.modulesToSave.clear();
        for (const auto& v : l.value("modules_to_save").toArray()) spec.modulesToSave << v.toString();
    }
    return spec;
}

std::vector<std::string> injectAdapters(torch::nn::Module& root, const LoraSpec& spec) {
    const auto targets = adapterTargets(root, spec.targets);
    if (targets.empty()) {
        QStringList have;
        for (const auto& item : root.named_modules("", false))
            if (item.value()->as<AdaptableLinearImpl>()) have << QString::fromStdString(item.key());
        throw configError("lora.targets", QString("no AdaptableLinear module matches %1; the model has: %2")
                                              .arg(spec.targets.join(", "), have.join(", "))
                                              .toStdString());
    }
    torch::NoGradGuard ng;
    const auto mods = root.named_modules("", false);
    for (const auto& t : targets) mods[t]->as<AdaptableLinearImpl>()->attachAdapter(spec.rank, spec.alpha, spec.dropout);
    for (auto& p : root.named_parameters(true)) {
        const std::string& n = p.key();
        const bool adapter = n.size() > 7 && (n.compare(n.size() - 7, 7, ".lora_A") == 0 || n.compare(n.size() - 7, 7, ".lora_B") == 0);
        p.value().set_requires_grad(adapter || isSaved(n, spec.modulesToSave));
    }
    return targets;
}

void removeAdapters(torch::nn::Module& root) {
    for (const auto& item : root.named_modules("", false))
        if (auto* a = item.value()->as<AdaptableLinearImpl>()) a->detachAdapter();
    for (auto& p : root.parameters(true)) p.set_requires_grad(true);
}

void copyByName(torch::nn::Module& from, torch::nn::Module& to) {
    torch::NoGradGuard ng;
    auto dst = to.named_parameters(true);
    for (const auto& p : from.named_parameters(true)) {
        const std::string& n = p.key();
        if (n.find("lora_") != std::string::npos) continue;
        auto* t = dst.find(n);
        if (!t) throw Error(ErrorKind::Internal, n, "parameter missing in the LoRA copy Θ′");
        if (!t->sizes().equals(p.value().sizes()))
            throw Error(ErrorKind::Internal, n, "shape differs between Θ and Θ′");
        t->copy_(p.value());
    }
    auto dstB = to.named_buffers(true);
    for (const auto& b : from.named_buffers(true)) {
        auto* t = dstB.find(b.key());
        if (!t) throw Error(ErrorKind::Internal, b.key(), "buffer missing in the LoRA copy Θ′");
        t->copy_(b.value());
    }
}

int64_t countParameters(torch::nn::Module& root) {
    int64_t n = 0;
    for (const auto& p : root.parameters(true)) n += p.numel();
    return n;
}

int64_t countTrainableParameters(torch::nn::Module& root) {
    int64_t n = 0;
    for (const auto& p : root.parameters(true))
        if (p.requires_grad()) n += p.numel();
    return n;
}

int64_t expectedTrainableParameters(torch::nn::Module& root, const LoraSpec& spec) {
    int64_t n = 0;
    const auto mods = root.named_modules("", false);
    for (const auto& t : adapterTargets(root, spec.targets)) {
        const auto* a = mods[t]->as<AdaptableLinearImpl>();
        n += spec.rank * (a->inFeatures() + a->outFeatures());
    }
    for (const auto& p : root.named_parameters(true))
        if (p.key().find("lora_") == std::string::npos && isSaved(p.key(), spec.modulesToSave)) n += p.value().numel();
    return n;
}

}  // namespace hpt
