#!/usr/bin/python3
"""PyTorch-eager twin of an HpT model preset, timed as `hpt bench --mode all` times HpT Workbench.

The reference's layer structure in plain torch.nn (Debian's python3-torch, the same 1.13 as the
LibTorch HpT links): embed (features -> embed_hidden -> d, GELU each), sinusoidal positions over the
stations + dropout, N post-norm encoder layers with separate q, k, v, out nn.Linear and a ReLU FFN,
concat(encoder output, embedding), per-station reduce Linear+ReLU+dropout, flatten, decoder. LoRA is
PEFT's: on q and v, dropout(x) -> lora_A -> lora_B times alpha/r, base weights frozen, the
lora.modules_to_save trainable. Hyperparameters come from the model plugin's JSON (the same preset
`hpt bench` builds), so both sides run the same shapes, parameters and FLOPs.

Full, LoRA and DUAL (a full and a LoRA model each stepping on the batch) are timed interleaved, rep by
rep, after two warm-up reps; the JSON says how many torch and OpenBLAS threads ran.

    /usr/bin/python3 tests/bench/eager_reference.py --model swe --preset paper --steps 3 --threads 1 --blas-threads 2
"""
import argparse
import ctypes
import ctypes.util
import json
import math
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGINS = os.path.join(HERE, "..", "..", "plugins", "models")


def openblas():
    """The OpenBLAS torch is linked against (Debian: libblas.so.3 -> openblas-pthread), or None."""
    for name in ("libblas.so.3", "libopenblas.so.0"):
        try:
            lib = ctypes.CDLL(name)
            lib.openblas_get_num_threads.restype = ctypes.c_int
            return lib
        except (OSError, AttributeError):
            continue
    return None


def preset_options(model, preset, params=None, training_overrides=None):
    meta = json.load(open(os.path.join(PLUGINS, model, model + ".json")))
    # The plugin's parameter defaults, then the preset's params, then an experiment file's
    # model.params (as the experiment resolver does).
    o = {p["name"]: p["default"] for p in meta["parameters"]}
    o.update(meta["presets"][preset])
    o.update(params or {})
    shape = meta["reference_shape"]
    lora = meta["lora"]
    training = dict(meta.get("training", {}))
    training.update(meta.get("preset_defaults", {}).get(preset, {}).get("training", {}))
    training.update(training_overrides or {})
    return o, shape, lora, training


class LoraLinear(nn.Module):
    """PEFT's LoRA Linear: base(x) + B(A(dropout(x))) * alpha / r."""

    def __init__(self, base, r, alpha, dropout):
        super().__init__()
        self.base = base
        self.lora_A = nn.Linear(base.in_features, r, bias=False)
        self.lora_B = nn.Linear(r, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_A.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_B.weight)
        self.drop = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.scaling = alpha / r

    def forward(self, x):
        return self.base(x) + self.lora_B(self.lora_A(self.drop(x))) * self.scaling


class Attention(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.q, self.k, self.v, self.out = (nn.Linear(d, d) for _ in range(4))
        self.h, self.dh = heads, d // heads

    def forward(self, x):
        B, S, d = x.shape
        q, k, v = (t.view(B, S, self.h, self.dh).transpose(1, 2) for t in (self.q(x), self.k(x), self.v(x)))
        p = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(self.dh), dim=-1)
        return self.out((p @ v).transpose(1, 2).reshape(B, S, d))


class EncoderLayer(nn.Module):
    def __init__(self, d, heads, ffn, dropout):
        super().__init__()
        self.attn = Attention(d, heads)
        self.ffn = nn.Sequential(nn.Linear(d, ffn), nn.ReLU(), nn.Linear(ffn, d))
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.drop = nn.Dropout(dropout)

    def forward(self, x):
        x = self.norm1(x + self.drop(self.attn(x)))
        return self.norm2(x + self.drop(self.ffn(x)))


class Model(nn.Module):
    def __init__(self, o, shape):
        super().__init__()
        S, feat, outs, d = shape["stations"], shape["features"], shape["outputs"], o["d_model"]
        self.embed = nn.Sequential(nn.Linear(feat, o["embed_hidden"]), nn.GELU(), nn.Linear(o["embed_hidden"], d), nn.GELU())
        pos = torch.arange(S, dtype=torch.float64).unsqueeze(1)
        omega = torch.exp(torch.arange(0, d, 2, dtype=torch.float64) * (-math.log(10000.0) / d))
        table = torch.zeros(S, d, dtype=torch.float64)
        table[:, 0::2] = torch.sin(pos * omega)
        table[:, 1::2] = torch.cos(pos * omega)[:, : d // 2]
        self.register_buffer("pos_encoding", table.float())
        self.drop = nn.Dropout(o["dropout"])
        self.layers = nn.ModuleList(EncoderLayer(d, o["heads"], o["ffn_mult"] * d, o["dropout"]) for _ in range(o["layers"]))
        reduce, width = [], 2 * d
        for w in o["reduce_dims"]:
            reduce += [nn.Linear(width, w), nn.ReLU(), nn.Dropout(o["head_dropout"])]
            width = w
        self.reduce = nn.Sequential(*reduce)
        act = nn.GELU() if o["decoder_activation"] == "gelu" else nn.ReLU()
        dec, width = [], S * width
        for w in o["decoder_hidden"]:
            w = w * S if o["decoder_per_station"] else w
            dec += [nn.Linear(width, w), act, nn.Dropout(o["head_dropout"])]
            width = w
        dec.append(nn.Linear(width, outs))
        self.decoder = nn.Sequential(*dec)

    def forward(self, x):
        e = self.embed(x)
        h = self.drop(e + self.pos_encoding)
        for layer in self.layers:
            h = layer(h)
        z = self.reduce(torch.cat([h, e], -1))
        return self.decoder(z.flatten(1))


def add_lora(model, lora):
    r = lora["rank"] if isinstance(lora["rank"], int) else 8
    for p in model.parameters():
        p.requires_grad_(False)
    for layer in model.layers:
        for name in ("q", "v"):  # lora.targets: *.attn.q, *.attn.v
            setattr(layer.attn, name, LoraLinear(getattr(layer.attn, name), r, lora["alpha"], lora["dropout"]))
    for name in lora.get("modules_to_save", []):
        for p in getattr(model, name).parameters():
            p.requires_grad_(True)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="swe")
    ap.add_argument("--preset", default="paper")
    ap.add_argument("--experiment", help="an experiment file: its model, preset, model.params and training batch size "
                    "(as hpt bench --experiment)")
    ap.add_argument("--batch", type=int, default=0, help="0: the preset's (or experiment's) training.batch_size")
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    ap.add_argument("--blas-threads", type=int, default=0, help="OpenBLAS threads (0: leave OpenBLAS's default)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    blas = openblas()
    if blas is not None and a.blas_threads > 0:
        blas.openblas_set_num_threads(a.blas_threads)
    params, train_over = {}, {}
    if a.experiment:
        e = json.load(open(a.experiment))
        a.model, a.preset = e["model"]["name"], e["model"].get("preset", a.preset)
        params, train_over = e["model"].get("params", {}), e.get("training", {})
        lora_over = e.get("lora", {})
    o, shape, lora, training = preset_options(a.model, a.preset, params, train_over)
    if a.experiment:
        lora = dict(lora, **lora_over)
    batch = a.batch or training.get("batch_size", 1)
    torch.manual_seed(42)
    x = torch.randn(batch, shape["stations"], shape["features"])
    y = torch.randn(batch, shape["outputs"])
    lr, wd = training.get("lr", 1e-4), training.get("weight_decay", 1e-4)

    def learner(with_lora):
        m = Model(o, shape)
        if with_lora:
            add_lora(m, lora)
        m.train()
        ps = [p for p in m.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(ps, lr=lr, weight_decay=wd)

        def step():
            opt.zero_grad(set_to_none=True)
            F.mse_loss(m(x), y).backward()
            opt.step()

        return m, step, sum(p.numel() for p in ps)

    full_m, full_step, full_trainable = learner(False)
    lora_m, lora_step, lora_trainable = learner(True)
    series = {"full": [full_step], "lora": [lora_step], "dual": [full_step, lora_step]}
    times = {k: [] for k in series}
    cpu = {k: [] for k in series}
    for i in range(a.steps + 2):
        for name, steps in series.items():
            t0, c0 = time.perf_counter(), time.process_time()  # process_time: CPU of all threads
            for s in steps:
                s()
            if i >= 2:
                times[name].append((time.perf_counter() - t0) * 1e3)
                cpu[name].append((time.process_time() - c0) * 1e3)
    med = {k: statistics.median(v) for k, v in times.items()}
    cmed = {k: statistics.median(v) for k, v in cpu.items()}
    print(json.dumps({
        "side": "pytorch-eager", "torch_version": torch.__version__, "model": a.model, "preset": a.preset, "batch": batch,
        "experiment": a.experiment or "",
        "steps": a.steps, "torch_threads": torch.get_num_threads(),
        "blas_threads": blas.openblas_get_num_threads() if blas is not None else -1,
        "optimizer": "torch.optim.AdamW (1.13 default: per-tensor loop)",
        "parameters": sum(p.numel() for p in full_m.parameters()),
        "trainable_parameters": {"full": full_trainable, "lora": lora_trainable},
        **{k: {"step_ms_median": med[k], "cpu_ms_median": cmed[k]} for k in ("full", "lora", "dual")},
        "lora_over_full": med["lora"] / med["full"], "dual_over_full_plus_lora": med["dual"] / (med["full"] + med["lora"]),
        "load_average": os.getloadavg()[0],
    }, indent=1))


if __name__ == "__main__":
    main()
