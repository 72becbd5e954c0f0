// The fused paths of the attention block against the plain formulas they replace:
// frozen q, k, v as one [3d, d] GEMM, the A projections of q and v as one GEMM (adapter dropout
// off), and y + s·(a Bᵀ) inside one addmm. Fusion changes the rounding, not the maths: outputs and
// gradients agree to a few float ulps, and with dropout the masks are the same draws as before
// (q's, then v's), so a LoRA step sees the same randomness.
#include "Attention.h"

#include <hpt/Lora.h>

#include <QtTest>

#include <algorithm>
#include <cmath>

using hpt::models::Attention;

namespace {

constexpr int64_t B = 2, S = 7, D = 32, H = 4, R = 4;

// The unfused block: three projections, each adapter on its own (dropout, A, B, scale, add).
torch::Tensor reference(Attention& a, const torch::Tensor& x, bool withAdapters, double p, bool train) {
    auto proj = [&](hpt::AdaptableLinear& l) {
        auto y = torch::nn::functional::linear(x, l->weight, l->bias);
        if (!withAdapters || !l->hasAdapter()) return y;
        auto h = (train && p > 0) ? torch::dropout(x, p, true) : x;
        return y + l->scaling() * torch::nn::functional::linear(torch::nn::functional::linear(h, l->loraA), l->loraB);
    };
    auto q = proj(a->q), k = proj(a->k), v = proj(a->v);
    const int64_t b = x.size(0), s = x.size(1), h = a->heads(), d = x.size(2);
    auto heads = [&](const torch::Tensor& t) { return t.view({b, s, h, d / h}).transpose(1, 2); };
    auto scores = torch::matmul(heads(q), heads(k).transpose(-2, -1)) / std::sqrt(double(d / h));
    auto o = torch::matmul(torch::softmax(scores, -1), heads(v)).transpose(1, 2).reshape({b, s, d});
    return torch::nn::functional::linear(o, a->out->weight, a->out->bias);
}

double maxRelDiff(const torch::Tensor& a, const torch::Tensor& b) {
    const double diff = (a.detach() - b.detach()).abs().max().item<double>();
    const double scale = b.detach().abs().max().item<double>();
    return diff / std::max(scale, 1e-30);
}

// Attention with adapters on q and v, base weights frozen, B non-zero so the adapters count.
Attention adapted(double p, int64_t heads = H) {
    torch::manual_seed(3);
    Attention a(D, heads);
    torch::NoGradGuard ng;
    for (auto* l : {&a->q, &a->v}) {
        (*l)->attachAdapter(R, 16.0, p);
        (*l)->loraB.normal_(0, 0.5);
    }
    for (auto& t : a->named_parameters()) t.value().set_requires_grad(t.key().find("lora_") != std::string::npos);
    return a;
}

}  // namespace

class TestAttentionFusion : public QObject {
    Q_OBJECT

private slots:
    void initTestCase() { torch::set_num_threads(1); }

    // Bound: 1e-5 relative to the largest output (float eps is 1.2e-7; a 32-long dot product and
    // the fused scale-and-add move a result by a few ulps).
    void frozenQkvAndSharedAGemmMatchPlainFormula() {
        auto a = adapted(0.0);
        a->train();
        torch::manual_seed(11);
        auto x = torch::randn({B, S, D}, torch::requires_grad());
        auto y = a->forward(x);
        auto ref = reference(a, x, true, 0.0, true);
        QVERIFY2(maxRelDiff(y, ref) < 1e-5, qPrintable(QString::number(maxRelDiff(y, ref))));
        auto g = torch::randn_like(y);
        auto gf = torch::autograd::grad({y}, {x, a->q->loraA, a->v->loraA, a->q->loraB}, {g});
        auto gr = torch::autograd::grad({ref}, {x, a->q->loraA, a->v->loraA, a->q->loraB}, {g});
        for (size_t i = 0; i < gf.size(); ++i)
            QVERIFY2(maxRelDiff(gf[i], gr[i]) < 1e-5, qPrintable(QString("gradient %1: %2").arg(i).arg(maxRelDiff(gf[i], gr[i]))));
        // Frozen weights get no gradient.
        QVERIFY(!a->k->weight.grad().defined());
    }

    void dropoutMasksAreTheSeparateDropoutsDraws() {
        auto a = adapted(0.3);
        a->train();
        auto x = torch::randn({B, S, D});
        torch::manual_seed(5);
        auto y = a->forward(x);
        torch::manual_seed(5);
        auto ref = reference(a, x, true, 0.3, true);
        QVERIFY2(maxRelDiff(y, ref) < 1e-5, qPrintable(QString::number(maxRelDiff(y, ref))));
        // A different seed gives different masks: the comparison above is not vacuous.
        torch::manual_seed(6);
        QVERIFY(maxRelDiff(a->forward(x), ref) > 1e-3);
    }

    void fusedWeightFollowsWrites() {
        // The [3d, d] copy is rebuilt when a frozen weight is overwritten (a DUAL rebuild copies Θ in).
        auto a = adapted(0.0);
        a->eval();
        auto x = torch::randn({B, S, D});
        auto before = a->forward(x);
        {
            torch::NoGradGuard ng;
            a->k->weight.normal_(0, 1);  // sharp scores: the output must move
        }
        auto after = a->forward(x);
        QVERIFY2(maxRelDiff(after, before) > 1e-3, qPrintable(QString::number(maxRelDiff(after, before))));
        QVERIFY2(maxRelDiff(after, reference(a, x, true, 0.0, false)) < 1e-5, "stale fused q, k, v weight");
    }

    // The blocked kernel (scores past the L2 budget, SWE's 323 stations) against the plain formula:
    // outputs and the gradients of the input, the projections and the adapters. The budget is
    // lowered so that small shapes take the blocked path, with blocks of 3 heads out of 4 (a full
    // and a partial block), the small-product GEMM path (S = 7, dh = 8: S²·dh < 400) and the BLAS
    // path with strided rows (S = 40); trainable q, k, v (FULL) and frozen fused ones (LoRA, whose
    // q, k, v are column slices of one [B, S, 3d] output). Same products per head, the scale
    // inside the GEMM instead of after it: a few ulps.
    void blockedAttentionMatchesPlainFormula() {
        for (const int64_t s : {int64_t(7), int64_t(40)})
            for (const bool lora : {false, true}) {
                hpt::models::AttentionImpl::setBlockBytes(3 * s * s * int64_t(sizeof(float)));
                auto a = lora ? adapted(0.0) : Attention(D, H);
                a->train();
                torch::manual_seed(12);
                auto x = torch::randn({3, s, D}, torch::requires_grad());
                auto y = a->forward(x);
                hpt::models::AttentionImpl::setBlockBytes(0);
                auto ref = reference(a, x, lora, 0.0, true);
                const QString what = QString("S = %1, %2").arg(s).arg(lora ? "LoRA" : "full");
                QVERIFY2(maxRelDiff(y, ref) < 1e-5, qPrintable(what + ": output " + QString::number(maxRelDiff(y, ref))));
                std::vector<torch::Tensor> wrt{x};
                if (lora) wrt.insert(wrt.end(), {a->q->loraA, a->v->loraB});
                else wrt.insert(wrt.end(), {a->out->weight, a->q->weight, a->k->weight, a->v->bias});
                auto g = torch::randn_like(y);
                auto gf = torch::autograd::grad({y}, wrt, {g});
                auto gr = torch::autograd::grad({ref}, wrt, {g});
                for (size_t i = 0; i < gf.size(); ++i)
                    QVERIFY2(maxRelDiff(gf[i], gr[i]) < 1e-5,
                             qPrintable(what + QString(": gradient %1: %2").arg(i).arg(maxRelDiff(gf[i], gr[i]))));
                // Without a backward to feed (evaluation, the ID probe), the kernel keeps one block.
                torch::NoGradGuard ng;
                hpt::models::AttentionImpl::setBlockBytes(3 * s * s * int64_t(sizeof(float)));
                auto e = a->forward(x);
                hpt::models::AttentionImpl::setBlockBytes(0);
                QVERIFY2(maxRelDiff(e, ref) < 1e-5, qPrintable(what + ": no-grad output"));
            }
    }

    void plainAttentionUnchanged() {
        // Trainable projections (FULL phase) take the unfused path.
        torch::manual_seed(3);
        Attention a(D, H);
        auto x = torch::randn({B, S, D});
        const double d = maxRelDiff(a->forward(x), reference(a, x, false, 0, false));
        QVERIFY2(d < 1e-5, qPrintable(QString::number(d)));
    }
};

QTEST_GUILESS_MAIN(TestAttentionFusion)
#include "tst_attention_fusion.moc"
