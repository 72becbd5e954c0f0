#include "cost/LoraState.h"

#include <hpt/Error.h>
#include <hpt/Lora.h>

#include <QJsonArray>

namespace hpt::cost {

LoraStateSpec LoraStateSpec::fromJson(const QJsonObject& lora) {
    LoraStateSpec s;
    if (lora.value("rank").isDouble()) s.rank = lora.value("rank").toInt();
    s.alpha = lora.value("alpha").toDouble(s.alpha);
    s.dropout = lora.value("dropout").toDouble(s.dropout);
    auto list = [](const QJsonValue& v, QStringList def) {
        if (!v.isArray()) return def;
        QStringList out;
        for (const auto& x : v.toArray()) out << x.toString();
        return out;
    };
    s.targets = list(lora.value("targets"), s.targets);
    s.modulesToSave = list(lora.value("modules_to_save"), s.modulesToSave);
    return s;
}

bool globMatch(const std::string& name, const std::string& pattern) {
    // Iterative wildcard match with backtracking to the last '*'.
    size_t n = 0, p = 0, star = std::string::npos, mark = 0;
    while (n < name.size()) {
        if (p < pattern.size() && pattern[p] == name[n]) { ++n; ++p; }
        else if (p < pattern.size() && pattern[p] == '*') { star = p++; mark = n; }
        else if (star != std::string::npos) { p = star + 1; n = ++mark; }
        else return false;
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

std::vector<std::string> applyLoraState(torch::nn::Module& root, const LoraStateSpec& spec) {
    if (spec.rank <= 0) throw configError("lora.rank", "must be a positive integer for pricing the LORA phase");
    std::vector<std::string> adapted, saved, linears;
    for (const auto& item : root.named_modules()) {
        const std::string& name = item.key();
        if (auto lin = std::dynamic_pointer_cast<AdaptableLinearImpl>(item.value())) {
            linears.push_back(name);
            for (const auto& t : spec.targets)
                if (globMatch(name, t.toStdString())) {
                    lin->attachAdapter(spec.rank, spec.alpha, spec.dropout);
                    adapted.push_back(name);
                    break;
                }
        }
        for (const auto& m : spec.modulesToSave)
            if (!name.empty() && globMatch(name, m.toStdString())) saved.push_back(name);
    }
    if (adapted.empty()) {
        std::string have;
        for (const auto& l : linears) have += (have.empty() ? "" : ", ") + l;
        throw configError("lora.targets", "no hpt::AdaptableLinear module matches " + spec.targets.join(", ").toStdString() +
                                              "; the model has: " + (have.empty() ? "none" : have));
    }
    for (auto& item : root.named_parameters(true)) {
        const std::string& pname = item.key();
        bool train = pname.size() > 7 && (pname.compare(pname.size() - 7, 7, ".lora_A") == 0 ||
                                          pname.compare(pname.size() - 7, 7, ".lora_B") == 0);
        for (const auto& s : saved)
            if (pname.rfind(s + ".", 0) == 0) train = true;
        item.value().set_requires_grad(train);
    }
    return adapted;
}

}  // namespace hpt::cost
