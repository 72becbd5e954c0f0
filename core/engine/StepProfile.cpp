#include "engine/StepProfile.h"

#include <ATen/record_function.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <QJsonObject>
#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace hpt {

namespace {

namespace prof = torch::autograd::profiler;

bool startsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

bool isGemm(const std::string& n) {
    return n == "aten::mm" || n == "aten::addmm" || n == "aten::bmm" || n == "aten::baddbmm";
}

// Composites whose cost is that of the kernels they call: their children are counted instead.
bool isTransparent(const std::string& n) {
    return n == "aten::linear" || n == "aten::matmul" || n == "aten::reshape" || n == "aten::contiguous" ||
           n == "aten::flatten" || n == "aten::dropout" || n == "aten::softmax" || n == "aten::layer_norm";
}

// Ops that move no data (views, allocation, metadata).
bool isFree(const std::string& n) {
    static const char* names[] = {"aten::view", "aten::transpose", "aten::t", "aten::permute", "aten::expand",
                                  "aten::as_strided", "aten::slice", "aten::select", "aten::unsqueeze", "aten::squeeze",
                                  "aten::_reshape_alias", "aten::detach", "aten::alias", "aten::empty", "aten::empty_like",
                                  "aten::empty_strided", "aten::resize_", "aten::lift_fresh", "aten::result_type",
                                  "aten::_unsafe_view", "aten::narrow", "aten::split", "aten::unbind", "aten::chunk"};
    for (const char* f : names)
        if (n == f) return true;
    return false;
}

double numel(const std::vector<int64_t>& s) {
    double n = 1;
    for (auto d : s) n *= double(d);
    return n;
}

// 2·M·K·N from the recorded input shapes of a GEMM kernel.
double gemmFlops(const std::string& n, const std::vector<std::vector<int64_t>>& sh) {
    const size_t a = (n == "aten::addmm" || n == "aten::baddbmm") ? 1 : 0;
    if (sh.size() < a + 2) return 0;
    const auto& x = sh[a];
    const auto& y = sh[a + 1];
    if (x.size() == 2 && y.size() == 2) return 2.0 * double(x[0]) * double(x[1]) * double(y[1]);
    if (x.size() == 3 && y.size() == 3) return 2.0 * double(x[0]) * double(x[1]) * double(x[2]) * double(y[2]);
    return 0;
}

double kernelBytes(const std::string& n, const std::vector<std::vector<int64_t>>& sh) {
    double in = 0, largest = 0;
    for (const auto& s : sh) {
        if (s.empty()) continue;  // scalars and non-tensor arguments
        const double b = numel(s) * sizeof(float);
        in += b;
        largest = std::max(largest, b);
    }
    if (n == "aten::copy_") return in;  // read src, write dst
    if (!n.empty() && n.back() == '_') return in + (sh.empty() || sh[0].empty() ? 0 : numel(sh[0]) * sizeof(float));
    return in + largest;
}

// The kind of an op issued directly by the forward pass.
std::string forwardKind(const std::string& n, bool inAdapter) {
    if (inAdapter) return "adapters";
    if (n == "aten::linear" || n == "aten::addmm" || n == "aten::mm" || n == "aten::matmul") return "weight GEMM";
    if (n == "aten::bmm" || n == "aten::baddbmm") return "attention products";
    if (n == "aten::softmax" || n == "aten::_softmax") return "softmax";
    if (n == "aten::layer_norm" || n == "aten::native_layer_norm") return "layer norm";
    if (n == "aten::dropout" || n == "aten::bernoulli_" || n == "aten::feature_dropout") return "dropout";
    if (n == "aten::reshape" || n == "aten::contiguous" || n == "aten::clone" || n == "aten::cat" ||
        n == "aten::copy_" || n == "aten::transpose" || n == "aten::view" || n == "aten::permute")
        return "copies and reshapes";
    return "element-wise and other";
}

struct Frame {
    std::string name;
    int64_t seq = -1;
    int64_t startNs = 0;
    std::string kind;  // set for top-level frames
    bool top = false, inGemm = false, inAdapter = false, counted = false;  // counted: an ancestor's bytes include this op
    double floorS = 0, flops = 0, bytes = 0;
    bool hasChild = false;
    std::vector<std::vector<int64_t>> shapes;
};

struct Tally {
    double ms = 0, floorS = 0, flops = 0, bytes = 0;
    int64_t calls = 0;
};

}  // namespace

QJsonArray profileStep(const std::function<void()>& forwardBackward, const std::function<void()>& update,
                       double gemmPeakGflops, double bandwidthGbs, double cacheBandwidthGbs, double optimizerBytes) {
    const double cacheBw = cacheBandwidthGbs * 1e9;
    prof::enableProfilerLegacy(torch::profiler::impl::ProfilerConfig(torch::profiler::impl::ProfilerState::CPU, true));
    {
        RECORD_USER_SCOPE("hpt::step");
        forwardBackward();
    }
    {
        RECORD_USER_SCOPE("hpt::update");
        update();
    }
    const prof::thread_event_lists lists = prof::disableProfilerLegacy();

    const double peak = gemmPeakGflops * 1e9, bw = bandwidthGbs * 1e9;
    std::map<std::string, Tally> tally;
    std::unordered_map<int64_t, std::string> kindOfSeq;  // forward op's sequence number → its kind
    double totalMs = 0;
    for (const auto& events : lists) {
        std::vector<Frame> stack;
        bool inBackward = false;
        for (const auto& e : events) {
            const std::string n = e.name();
            if (e.kind() == prof::EventKind::PushRange) {
                Frame f;
                f.name = n;
                f.seq = e.sequenceNr();
                f.shapes = e.shapes();
                f.startNs = int64_t(e.cpuUs() * 1e3);
                if (!stack.empty()) {
                    stack.back().hasChild = true;
                    f.inGemm = stack.back().inGemm || isGemm(stack.back().name);
                    f.inAdapter = stack.back().inAdapter || stack.back().name == "hpt::adapter";
                    const Frame& p = stack.back();
                    f.counted = p.counted || (startsWith(p.name, "aten::") && !isTransparent(p.name) && !isGemm(p.name));
                }
                if (n == "hpt::update") f.top = true, f.kind = "optimizer";
                else if (startsWith(n, "autograd::engine::evaluate_function")) inBackward = true;
                // Top level: the first op below the step scope (or below an adapter scope).
                const bool parentIsScope = !stack.empty() && (stack.back().name == "hpt::step" || stack.back().name == "hpt::adapter");
                if (!f.top && parentIsScope && n != "hpt::adapter" && n != "hpt::update") {
                    f.top = true;
                    // The models' blocked attention kernel (plugins/models/common/Attention.cpp) is one
                    // autograd node whose backward holds both products and the softmax backward.
                    if (startsWith(n, "autograd::engine::evaluate_function") && n.find("BlockedAttention") != std::string::npos)
                        f.kind = "attention, blocked (backward)";
                    else if (startsWith(n, "autograd::engine::evaluate_function")) f.kind = "autograd (unmatched)";
                    else if (inBackward) f.kind = "autograd engine";
                    else f.kind = forwardKind(n, f.inAdapter);
                }
                // A forward op's autograd node remembers the kind of its top-level ancestor.
                if (!inBackward && f.seq >= 0)
                    for (auto it = stack.rbegin(); it != stack.rend(); ++it)
                        if (it->top) { kindOfSeq[f.seq] = it->kind; break; }
                if (f.top && !inBackward && f.seq >= 0) kindOfSeq[f.seq] = f.kind;
                // The node inside evaluate_function names the forward op it differentiates.
                if (inBackward && !stack.empty() && stack.back().top && stack.back().kind == "autograd (unmatched)") {
                    auto it = f.seq >= 0 ? kindOfSeq.find(f.seq) : kindOfSeq.end();
                    if (n.find("AccumulateGrad") != std::string::npos) stack.back().kind = "gradient accumulation";
                    else if (it != kindOfSeq.end()) stack.back().kind = it->second + " (backward)";
                }
                stack.push_back(std::move(f));
            } else if (e.kind() == prof::EventKind::PopRange) {
                if (stack.empty()) continue;
                Frame f = std::move(stack.back());
                stack.pop_back();
                const double ms = (e.cpuUs() * 1e3 - double(f.startNs)) / 1e6;
                // Floors from the kernels: a GEMM counts its FLOPs (not its children); any other op
                // counts its bytes unless it is a view, a composite of other kernels, or inside an op
                // already counted.
                if (!f.inGemm && isGemm(f.name)) {
                    f.flops += gemmFlops(f.name, f.shapes);
                    f.floorS += gemmFlops(f.name, f.shapes) / peak;
                } else if (!f.inGemm && !f.counted && startsWith(f.name, "aten::") && !isTransparent(f.name) && !isFree(f.name)) {
                    const double bytes = kernelBytes(f.name, f.shapes);
                    f.bytes += bytes;
                    f.floorS += bytes / (bytes <= kCacheResidentBytes ? cacheBw : bw);
                }
                if (f.name == "hpt::step") totalMs += ms;
                // Roll floors up to the parent.
                if (!stack.empty()) {
                    stack.back().floorS += f.floorS;
                    stack.back().flops += f.flops;
                    stack.back().bytes += f.bytes;
                }
                if (f.top) {
                    auto& t = tally[f.kind];
                    t.ms += ms;
                    t.floorS += f.floorS;
                    t.flops += f.flops;
                    t.bytes += f.bytes;
                    t.calls += 1;
                    if (f.kind == "optimizer") {
                        totalMs += ms;
                        t.bytes += optimizerBytes;
                        t.floorS += optimizerBytes / bw;
                    }
                }
            }
        }
    }
    QJsonArray out;
    std::vector<std::pair<std::string, Tally>> rows(tally.begin(), tally.end());
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.ms > b.second.ms; });
    Tally total;
    for (const auto& [kind, t] : rows) {
        total.ms += t.ms;
        total.floorS += t.floorS;
        total.flops += t.flops;
        total.bytes += t.bytes;
        total.calls += t.calls;
        out.append(QJsonObject{{"kind", QString::fromStdString(kind)}, {"ms", t.ms}, {"floor_ms", t.floorS * 1e3},
                               {"over_floor", t.floorS > 0 ? t.ms / (t.floorS * 1e3) : 0.0}, {"calls", qint64(t.calls)},
                               {"gflop", t.flops / 1e9}, {"mbytes", t.bytes / 1e6}});
    }
    out.append(QJsonObject{{"kind", "total"}, {"ms", totalMs}, {"ms_in_kinds", total.ms}, {"floor_ms", total.floorS * 1e3},
                           {"over_floor", total.floorS > 0 ? totalMs / (total.floorS * 1e3) : 0.0},
                           {"calls", qint64(total.calls)}, {"gflop", total.flops / 1e9}, {"mbytes", total.bytes / 1e6}});
    return out;
}

}  // namespace hpt
