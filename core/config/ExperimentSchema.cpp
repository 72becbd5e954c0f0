#include "config/ExperimentSchema.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace hpt {

namespace {

using K = ExperimentKey;
constexpr double kBig = 1e300;         // "any finite value" above
constexpr double kMaxInt = 1e15;       // the largest count a config may hold
constexpr double kMaxSeed = 9007199254740991.0;  // 2^53 - 1: every seed survives JSON's doubles

K key(const char* dotted, K::Type t, const QJsonValue& def) {
    K k;
    k.key = QString::fromUtf8(dotted);
    k.type = t;
    k.defaultValue = def;
    if (t == K::Int || t == K::RankOrAuto) k.max = kMaxInt;
    return k;
}

QJsonArray strings(std::initializer_list<const char*> items) {
    QJsonArray a;
    for (const char* s : items) a.append(QString::fromUtf8(s));
    return a;
}

std::vector<ExperimentKey> build() {
    const QString exp = "Experiment", tr = "Training", id = "Intrinsic dimension", ck = "Checkpoints",
                  sw = "Switching (FULL → DUAL → LORA)", lo = "LoRA (Θ′)", au = "Auto rank", dv = "Divergence",
                  mp = "Mapping";
    return {
        key("name", K::String, "")
            .ui(exp, "Name", "run name shown in the run browser")
            .about("run name: 1–64 characters from `A-Z a-z 0-9 _ . + -` and inner single spaces, starting with a "
                   "letter, digit or `_` (names are data, never paths; `--set name=123` is the text \"123\"); `\"\"` = "
                   "`<model>-<preset>`"),
        key("model.name", K::String, "").about("model plugin (`hpt models`); the only key every experiment must give"),
        key("model.preset", K::String, "")
            .about("model plugin preset (`paper`, `compact`); `\"\"` = the plugin's parameter defaults. Also selects the "
                   "model's `preset_defaults` for training/switching"),
        key("model.params", K::Object, QJsonObject{}).about("model parameters over the preset, checked against the plugin's schema"),
        key("dataset.name", K::String, "")
            .about("dataset plugin; `\"\"` = the model metadata's `\"dataset\"`, else the model's name"),
        key("dataset.data_dir", K::String, "")
            .about("folder with the dataset files; `\"\"` = the plugin's default places"),
        key("dataset.params", K::Object, QJsonObject{}).about("dataset parameters, checked against the plugin's schema"),

        key("training.epochs", K::Int, 24).range(1, kMaxInt)
            .ui(tr, "Epochs", "passes over the training split")
            .about("passes over the training split (less the validation split); the model's metadata may set its own"),
        key("training.batch_size", K::Int, 1).range(1, kMaxInt)
            .ui(tr, "Batch size", "samples per step")
            .about("windows per step: each step draws `batch_size` windows of a per-epoch permutation and trains on them "
                   "as one mini-batch"),
        key("training.max_steps", K::Int, 0).range(0, kMaxInt).in("steps")
            .ui(tr, "Max steps", "stop after this many steps (0 = epochs decide)")
            .about("stop after this many steps (0 = epochs decide)"),
        key("training.optimizer", K::Choice, "adamw").oneOf({"adamw", "adam"})
            .ui(tr, "Optimizer", "optimizer of Θ and Θ′")
            .about("`adamw` (decoupled weight decay) or `adam` (L2 added to the gradient); both run as the one-pass "
                   "optimizer of docs/engine.md"),
        key("training.lr", K::Number, 1e-4).range(0, kBig, true)
            .ui(tr, "Learning rate", "initial learning rate")
            .about("initial learning rate: any positive finite rate (divergence is caught by the NaN guard)"),
        key("training.weight_decay", K::Number, 1e-4).range(0, 1)
            .ui(tr, "Weight decay", "decoupled weight decay (AdamW)")
            .about("weight decay (decoupled with `adamw`)"),
        key("training.lr_schedule", K::Choice, "step").oneOf({"step", "cosine", "constant"})
            .ui(tr, "LR schedule", "step (StepLR), cosine (warm-up, then half cosine to lr_min) or constant")
            .about("`step` (the reference's StepLR, below), `cosine` (linear warm-up over `warmup_steps`, then a half "
                   "cosine from `lr` to `lr_min` at the run's last step, so the decay fits `max_steps`) or `constant`"),
        key("training.lr_step_epochs", K::Int, 3).range(0, kMaxInt).in("epochs")
            .ui(tr, "LR step", "StepLR: epochs between decays (0 = constant LR)")
            .about("StepLR: lr × `lr_gamma` every this many epochs (0 = constant)"),
        key("training.lr_gamma", K::Number, 0.6).range(0, 1, true)
            .ui(tr, "LR γ", "StepLR multiplicative decay")
            .about("StepLR multiplicative decay γ"),
        key("training.lr_min", K::Number, 0).range(0, kBig)
            .ui(tr, "LR min", "the floor of the cosine schedule (≤ learning rate)")
            .about("the floor of the cosine schedule; must not exceed `lr`"),
        key("training.warmup_steps", K::Int, 0).range(0, kMaxInt).in("steps")
            .ui(tr, "Warm-up", "linear warm-up from 0 to lr (any schedule; 0 = none)")
            .about("linear warm-up from 0 to `lr` over this many steps (any schedule; 0 = none)"),
        key("training.beta1", K::Number, 0.9).range(0, 1, false, true)
            .ui(tr, "β1", "Adam(W) first-moment decay")
            .about("Adam(W) first-moment decay"),
        key("training.beta2", K::Number, 0.999).range(0, 1, false, true)
            .ui(tr, "β2", "Adam(W) second-moment decay")
            .about("Adam(W) second-moment decay"),
        key("training.eps", K::Number, 1e-8).range(0, 1, true)
            .ui(tr, "ε", "Adam(W) denominator term")
            .about("Adam(W) ε"),
        key("training.grad_clip", K::Number, 0).range(0, kBig)
            .ui(tr, "Gradient clip", "clip the global gradient L2 norm to this (0 = off)")
            .about("clip the global gradient L2 norm to this value before each update (torch's `clip_grad_norm_`; 0 = "
                   "off). `divergence.max_grad_norm` sees the norm before clipping"),
        key("training.seed", K::Int, 42).range(0, kMaxSeed)
            .ui(tr, "Seed", "random seed (weights, batches, dropout)")
            .about("random seed (weights, batches, dropout)"),
        key("training.torch_device", K::Choice, "auto").oneOf({"auto", "cpu", "cuda"})
            .ui(tr, "Torch device", "where LibTorch runs the arithmetic")
            .about("`auto` (CUDA when LibTorch has it, else CPU), `cpu`, `cuda`; the device used is recorded with the run"),
        key("training.threads", K::Int, 0).range(0, 1024)
            .ui(tr, "Threads", "LibTorch intra-op threads (0 = all cores)")
            .about("LibTorch intra-op threads (0 = all cores)"),
        key("training.validation_fraction", K::Number, 0).range(0, 0.5)
            .ui(tr, "Validation fraction", "hold out the end of the training period as the validation split (0 = none)")
            .about("hold out at least this fraction of the training samples as the validation split: the **end of the "
                   "training period by time** (whole time steps; the dataset's sample times, else the split's tail), never "
                   "the test period. Its loss (normalised MSE, as the training loss) is the `val_loss` metric after every "
                   "epoch and at the end. 0 = no validation split"),
        key("training.validation_gap", K::Int, 0).range(0, kMaxInt).in("time steps")
            .ui(tr, "Validation gap", "time steps left out between training and validation")
            .about("time steps (the dataset's unit: hours for wind, days, …) left out between training and validation, "
                   "so no training target is a validation input"),
        key("training.keep_best", K::Bool, false)
            .ui(tr, "Keep best", "test the weights with the lowest validation loss (needs a validation split)")
            .about("test the weights with the lowest validation loss instead of the last ones (needs "
                   "`validation_fraction` > 0; kept in checkpoints, so a resumed run tests the same weights). The "
                   "final JSON says `evaluated_weights`"),
        key("training.target", K::Choice, "absolute").oneOf({"absolute", "residual"})
            .ui(tr, "Target", "absolute, or residual: the change over persistence")
            .about("`absolute`, or `residual`: the model predicts the change over persistence, i.e. its output is added "
                   "to the input channel that the dataset names as `notes.persistence_feature` (wind: the last hour; "
                   "weather: today's temperature; COVID-19: the feature week's deaths; SWE has none, so it is a "
                   "configuration error there). Losses, validation and test metrics are all of the sum, in the same "
                   "units as with `absolute`. Recorded in the configuration and the final JSON (`target`)"),

        key("switching.mode", K::Choice, "hybrid").oneOf({"hybrid", "full", "lora"})
            .ui(sw, "Mode", "hybrid: FULL → DUAL → LORA; full / lora: single-phase baselines")
            .about("`hybrid` (FULL → DUAL → LORA), `full` (full only, baseline), `lora` (LoRA from the start, baseline)"),
        key("switching.check_every", K::Int, 365).range(1, kMaxInt).in("batches")
            .ui(sw, "Check every", "batches between plateau / weight-distance checks")
            .about("batches between plateau / weight-distance checks (the reference uses 365; the model's metadata may "
                   "set its own)"),
        key("switching.tau_loss", K::Number, 0.1).range(0, 1e9, true)
            .ui(sw, "τ_loss", "plateau threshold on relative loss improvement")
            .about("plateau threshold τ_loss on relative loss improvement"),
        key("switching.plateau_rule", K::Choice, "within_noise").oneOf({"within_noise", "nonnegative", "literal"})
            .ui(sw, "Plateau rule",
                "within_noise: a rise or speed-up of the loss counts only beyond its noise; nonnegative: on the window "
                "means alone; literal: the reference's rule")
            .about("how the plateau check reads the three-window rule. `within_noise`: each improvement must be small "
                   "(< τ_loss) and the windows must show no rise of the loss (step to step, or from the first to the "
                   "third window) and no speed-up of its fall beyond `plateau_se` standard errors of the window means, "
                   "which each window estimates from its per-batch losses, and the latest window must lie below the "
                   "run's first by more than that noise (the loss has come down); `nonnegative`: each improvement "
                   "< τ_loss and ≥ 0 and strictly slowing, on the window means alone (a near coin flip once the loss "
                   "is flat); "
                   "`literal`: the reference's rule, where any negative change is < τ_loss and counts as small. All "
                   "three in docs/engine.md"),
        key("switching.plateau_se", K::Number, 2.0).range(0, 1e9)
            .ui(sw, "Plateau noise (SE)", "standard errors a rise or speed-up of the window-average loss must exceed to count")
            .about("for `plateau_rule` `within_noise`: how many standard errors of a difference of window means a rise "
                   "of the loss (or a speed-up of its fall) must exceed before it counts against a plateau; 2 lets a "
                   "flat loss pass each sign condition ~98 % of the time"),
        key("switching.tau_w", K::Number, 0.01).range(0, 1e9, true)
            .ui(sw, "τ_w", "weight-distance threshold on attention weights [W_q, W_v]")
            .about("weight-distance threshold τ_w"),
        key("switching.monitored_layers", K::Strings, QJsonArray{})
            .ui(sw, "Monitored layers", "attention layers the weight-distance check reads; empty = model default, \"all\" = every layer")
            .about("attention layers whose [W_q, W_v] the weight-distance check reads; `[]` = model default, `[\"all\"]` "
                   "= every attention layer"),
        key("switching.ttest_window", K::Int, 365).range(2, kMaxInt).in("batches")
            .ui(sw, "t-test window", "batches of paired losses per t-test")
            .about("batches of paired losses per t-test"),
        key("switching.alpha", K::Number, 0.01).range(0, 1, true, true)
            .ui(sw, "α", "t-test significance level α ∈ (0, 1)")
            .about("t-test significance level α"),
        key("switching.welch", K::Bool, false)
            .ui(sw, "Welch's test", "Welch's unequal-variance test instead of Student's pooled test")
            .about("Welch's unequal-variance test instead of Student's pooled test"),
        key("switching.min_steps", K::Int, 0).range(0, kMaxInt).in("steps")
            .ui(sw, "Min steps", "no check before this step")
            .about("no check before this step"),
        key("switching.max_dual_attempts", K::Int, 0).range(0, kMaxInt)
            .ui(sw, "Max DUAL attempts", "give up DUAL after this many failed t-tests and stay FULL (0 = unlimited)")
            .about("give up DUAL after this many failed t-tests and stay FULL (0 = unlimited)"),

        key("lora.rank", K::RankOrAuto, 8).range(1, kMaxInt)
            .ui(lo, "Rank r", "LoRA rank, or \"auto\" (from the update-spectrum intrinsic dimension)")
            .about("LoRA rank r (at most `model.params.d_model`, and at most the smaller dimension of every adapted "
                   "layer — checked before step 1), or `\"auto\"` (from the update-spectrum intrinsic dimension of ΔW "
                   "since the start, chosen at the switch)"),
        key("lora.alpha", K::Number, 64).range(0, 1e9, true)
            .ui(lo, "α", "LoRA scaling numerator (scale = α / r)")
            .about("scaling α: the update is (α/r)·B·A"),
        key("lora.dropout", K::Number, 0.1).range(0, 1, false, true)
            .ui(lo, "Dropout", "dropout on the adapter input")
            .about("adapter input dropout"),
        key("lora.targets", K::Strings, strings({"*.attn.q", "*.attn.v"})).notEmpty()
            .ui(lo, "Targets", "module name patterns that get adapters, e.g. *.attn.q, *.attn.v")
            .about("glob patterns over registered module names (`*` spans dots) of the AdaptableLinear modules that get "
                   "adapters; at most 1024 entries (every list of names in the schema has this bound, so setup stays fast)"),
        key("lora.modules_to_save", K::Strings, strings({"embed", "reduce", "decoder"}))
            .ui(lo, "Modules to save", "modules that keep training in full in the LORA phase")
            .about("modules (and everything below them) that stay fully trainable in Θ′; the model's metadata may set its own"),
        key("lora.auto.energy", K::Number, 0.9).range(0, 1, true)
            .ui(au, "Energy", "fraction of update-spectrum energy the rank keeps")
            .about("`\"auto\"` rank: fraction of update-spectrum energy the rank keeps"),
        key("lora.auto.reduce", K::Choice, "max").oneOf({"max", "percentile"})
            .ui(au, "Reduce", "how per-layer ranks combine")
            .about("`\"auto\"` rank: how per-layer ranks combine, `max` or `percentile`"),
        key("lora.auto.percentile", K::Number, 90).range(0, 100)
            .ui(au, "Percentile", "for reduce = percentile")
            .about("`\"auto\"` rank: the percentile for `reduce` = `percentile`"),
        key("lora.auto.r_min", K::Int, 2).range(1, kMaxInt)
            .ui(au, "r min", "smallest rank chosen")
            .about("`\"auto\"` rank: smallest rank chosen (≤ `r_max`)"),
        key("lora.auto.r_max", K::Int, 64).range(1, kMaxInt)
            .ui(au, "r max", "largest rank chosen")
            .about("`\"auto\"` rank: largest rank chosen"),
        key("lora.auto.power_of_two", K::Bool, true)
            .ui(au, "Power of two", "round the rank up to a power of two")
            .about("`\"auto\"` rank: round the rank up to a power of two"),

        key("mapping.preset", K::String, "hpt").suggest({"hpt", "gpu-only", "reram-naive"})
            .ui(mp, "Mapping preset", "which device runs which operation in each phase (hpt: the paper's mapping)")
            .about("which device role runs which operation in each phase: `hpt` (the paper's mapping), `gpu-only`, "
                   "`reram-naive` — docs/cost-model.md"),
        key("mapping.overrides", K::Object, QJsonObject{}).about("per-operation role overrides over the preset — docs/cost-model.md"),
        key("mapping.power", K::Object, QJsonObject{}).about("idle/off power state per phase and role (`{\"LORA.gpu\": \"idle\"}`) — docs/cost-model.md"),
        key("mapping.overlap", K::Bool, false)
            .ui(mp, "Overlap tiers", "a step takes the slowest role's time instead of the sum")
            .about("the roles run concurrently: a step takes the slowest role's time instead of the sum"),
        key("mapping.capacity_policy", K::Choice, "chips").oneOf({"chips", "reprogram"})
            .ui(mp, "Capacity policy", "chips: price more chips; reprogram: rewrite the weights that do not fit")
            .about("when the weights do not fit: `chips` (price more chips) or `reprogram` (rewrite the weights that do "
                   "not fit in every step)"),
        key("devices", K::Object,
            QJsonObject{{"gpu", QJsonObject{{"plugin", "gpu"}, {"preset", "H100"}, {"params", QJsonObject{}}}},
                        {"systolic", QJsonObject{{"plugin", "systolic"}, {"preset", "default"}, {"params", QJsonObject{}}}},
                        {"reram", QJsonObject{{"plugin", "reram"}, {"preset", "isaac"}, {"params", QJsonObject{}}}}})
            .about("device roles to price, each `{\"plugin\", \"preset\", \"params\"}`; a `devices` object in the file "
                   "replaces the default three roles wholesale, `{}` = no pricing"),

        key("id.every", K::Int, 0).range(0, kMaxInt).in("steps")
            .ui(id, "Every", "steps between intrinsic-dimension estimates (0 = off)")
            .about("steps between intrinsic-dimension estimates (0 = off)"),
        key("id.methods", K::Strings, strings({"spectrum"})).oneOf({"spectrum", "twonn", "mle"})
            .ui(id, "Methods", "comma-separated: spectrum, twonn, mle")
            .about("estimators to run, any of `spectrum`, `twonn`, `mle`"),
        key("id.energy", K::Number, 0.9).range(0, 1, true)
            .ui(id, "Energy", "spectrum: fraction of singular-value energy kept")
            .about("spectrum: fraction of singular-value energy kept"),
        key("id.k", K::Int, 10).range(2, kMaxInt)
            .ui(id, "k", "MLE: nearest neighbours")
            .about("MLE: nearest neighbours (at least two)"),
        key("id.probe_samples", K::Int, 64).range(2, kMaxInt)
            .ui(id, "Probe samples", "samples whose hidden states are probed")
            .about("samples whose hidden states are probed"),
        key("id.discard", K::Number, 0.1).range(0, 1, false, true)
            .ui(id, "Discard", "TwoNN: fraction of the largest distance ratios left out")
            .about("TwoNN: fraction of the largest distance ratios left out of the fit"),

        key("checkpoint.every", K::Int, 0).range(0, kMaxInt).in("steps")
            .ui(ck, "Every", "steps between checkpoints (0 = only at phase changes and the end)")
            .about("steps between checkpoints (0 = only at phase changes, stop and the end)"),
        key("checkpoint.dir", K::String, "")
            .ui(ck, "Folder", "checkpoint folder (empty = a fresh temporary folder)")
            .about("checkpoint folder; `\"\"` = a fresh folder under the system temp dir. Must be writable: checked "
                   "before step 1"),

        key("divergence.policy", K::Choice, "stop").oneOf({"stop", "rollback"})
            .ui(dv, "Policy", "stop, or roll back to the last checkpoint with a smaller learning rate")
            .about("what a diverged step does (NaN/Inf loss, or gradient norm above `max_grad_norm`): `stop` (exit 5, "
                   "last good checkpoint kept) or `rollback` (reload the last checkpoint, lr × `lr_factor`, go on) — "
                   "docs/engine.md"),
        key("divergence.max_grad_norm", K::Number, 10000).range(0, kBig)
            .ui(dv, "Max gradient norm", "a step whose gradient norm is above this diverged (0 = off)")
            .about("global L2 norm of a step's gradient above which the step counts as diverged (0 = off)"),
        key("divergence.lr_factor", K::Number, 0.5).range(0, 1, true, true)
            .ui(dv, "LR factor", "rollback: the learning rate is multiplied by this")
            .about("with `rollback`: the learning rate is multiplied by this after each rollback"),
        key("divergence.max_rollbacks", K::Int, 3).range(0, 1000)
            .ui(dv, "Max rollbacks", "rollback: stop at the divergence after this many rollbacks")
            .about("with `rollback`: the run stops (as with `stop`) at the divergence after this many rollbacks"),
    };
}

QString fmt(double x) { return QString::number(x, 'g', 12); }

QString showDefault(const QJsonValue& v) {
    const QString s = QString::fromUtf8(QJsonDocument(QJsonArray{v}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
    return "`" + s + "`";
}

}  // namespace

QString ExperimentKey::rangeText() const {
    if (type != Int && type != Number && type != RankOrAuto) return {};
    // Whole numbers print in full (a seed's bound is 2^53 - 1, not 9.007e+15); kMaxInt is "no bound".
    const bool whole = type != Number;
    auto show = [&](double x) { return whole ? QString::number(qint64(x)) : fmt(x); };
    const bool lo = min > -1e299, hi = whole ? max != kMaxInt : max < 1e299;
    if (lo && hi) return QString("%1%2, %3%4").arg(minOpen ? "(" : "[", show(min), show(max), maxOpen ? ")" : "]");
    if (lo) return QString(minOpen ? "> %1" : "≥ %1").arg(show(min));
    if (hi) return QString(maxOpen ? "< %1" : "≤ %1").arg(show(max));
    return {};
}

QString ExperimentKey::typeText() const {
    auto quoted = [](const QStringList& l) {
        QStringList q;
        for (const auto& s : l) q << "`" + s + "`";
        return q.join(", ");
    };
    switch (type) {
    case Int: return "integer";
    case Number: return "number";
    case Bool: return "true/false";
    case String: return "string";
    case Choice: return "one of " + quoted(choices);
    case Strings: return choices.isEmpty() ? "list of strings" : "list of " + quoted(choices);
    case RankOrAuto: return "integer or `\"auto\"`";
    case Object: return "object";
    }
    return {};
}

const std::vector<ExperimentKey>& experimentSchema() {
    static const std::vector<ExperimentKey> schema = build();
    return schema;
}

const ExperimentKey* experimentKey(const QString& dottedKey) {
    for (const auto& k : experimentSchema())
        if (k.key == dottedKey) return &k;
    return nullptr;
}

QString experimentReferenceTable() {
    QString t = "| key | type | default | range | unit | meaning |\n|---|---|---|---|---|---|\n";
    for (const auto& k : experimentSchema()) {
        QString doc = k.doc;
        doc.replace('|', "\\|");
        t += QString("| `%1` | %2 | %3 | %4 | %5 | %6 |\n")
                 .arg(k.key, k.typeText(), k.type == ExperimentKey::Object && k.key == "devices" ? "gpu/H100, systolic/default, reram/isaac"
                                                                                                   : showDefault(k.defaultValue),
                      k.rangeText(), k.unit, doc);
    }
    return t;
}

}  // namespace hpt
