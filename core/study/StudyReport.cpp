#include "study/StudyReport.h"

#include "store/Store.h"
#include "study/PairedTest.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace hpt::study {

namespace {

// ReRAM cell writes are "writes", as in every per-device cost and a run's result; reports written
// before that said "cell_writes", and a report read back may be one of them.
QJsonValue reramWrites(const QJsonObject& reram) {
    return reram.contains("writes") ? reram.value("writes") : reram.value("cell_writes");
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const QStringList kPhases{"FULL", "DUAL", "LORA"};

QJsonValue num(double x) { return std::isfinite(x) ? QJsonValue(x) : QJsonValue(QJsonValue::Null); }

// Mean and sample standard deviation (n − 1); sd is null below two values.
QJsonObject meanSd(const std::vector<double>& v) {
    QJsonObject o{{"n", int(v.size())}};
    if (v.empty()) {
        o.insert("mean", QJsonValue::Null);
        o.insert("sd", QJsonValue::Null);
        return o;
    }
    double s = 0;
    for (double x : v) s += x;
    const double m = s / double(v.size());
    o.insert("mean", num(m));
    if (v.size() < 2) {
        o.insert("sd", QJsonValue::Null);
        return o;
    }
    double ss = 0;
    for (double x : v) ss += (x - m) * (x - m);
    o.insert("sd", num(std::sqrt(ss / double(v.size() - 1))));
    return o;
}

double meanOf(const std::vector<double>& v) {
    if (v.empty()) return kNaN;
    double s = 0;
    for (double x : v) s += x;
    return s / double(v.size());
}

DeviceCost costFrom(const QJsonObject& o) {
    return {o.value("time_s").toDouble(), o.value("energy_j").toDouble(), o.value("writes").toDouble()};
}

QJsonObject costJson(const DeviceCost& c) { return {{"time_s", c.timeS}, {"energy_j", c.energyJ}, {"writes", c.writes}}; }

QJsonObject runJson(const RunResult& r) {
    QJsonObject devices, perPhase, steps;
    for (const auto& [role, c] : r.devices) devices.insert(role, costJson(c));
    for (const auto& [ph, m] : r.perPhase) {
        QJsonObject o;
        for (const auto& [role, c] : m) o.insert(role, costJson(c));
        perPhase.insert(ph, o);
    }
    for (const auto& [ph, n] : r.stepsPerPhase) steps.insert(ph, double(n));
    QJsonObject skill;
    for (auto it = r.skill.begin(); it != r.skill.end(); ++it) skill.insert(it.key(), it.value().toObject().value("skill"));
    return {{"seed", double(r.seed)},
            {"run_id", double(r.runId)},
            {"status", r.status},
            {"test_rmse", num(r.testRmse)},
            {"skill", skill},
            {"modeled_time_s", r.modeledTimeS()},
            {"modeled_energy_j", r.modeledEnergyJ()},
            {"wall_s", r.wallS},
            {"switch_step", r.switchStep >= 0 ? QJsonValue(double(r.switchStep)) : QJsonValue(QJsonValue::Null)},
            {"steps", double(r.steps)},
            {"steps_per_phase", steps},
            {"devices", devices},
            {"devices_per_phase", perPhase},
            {"reram", QJsonObject{{"writes", r.cellWrites},
                                  {"max_writes_per_cell", r.maxWritesPerCell},
                                  {"endurance_used_pct", r.enduranceUsedPct}}}};
}

QJsonObject ratioJson(const std::vector<double>& a, const std::vector<double>& b, const std::vector<int64_t>& seeds) {
    std::vector<double> r;
    QJsonArray perSeed;
    for (size_t i = 0; i < a.size(); ++i) {
        const double q = b[i] != 0 ? a[i] / b[i] : kNaN;
        if (std::isfinite(q)) r.push_back(q);
        perSeed.append(QJsonObject{{"seed", double(seeds[i])}, {"ratio", num(q)}});
    }
    QJsonObject o = meanSd(r);
    o.insert("per_seed", perSeed);
    const double mb = meanOf(b);
    o.insert("of_means", num(mb != 0 ? meanOf(a) / mb : kNaN));
    return o;
}

QString fmt(const QJsonValue& v, int prec = 4) {
    if (!v.isDouble()) return "–";
    const double x = v.toDouble();
    if (x != 0 && (std::fabs(x) >= 1e6 || std::fabs(x) < 1e-3)) return QString::number(x, 'e', 2);
    return QString::number(x, 'g', prec);
}

QString meanSdText(const QJsonObject& o, int prec = 4) {
    if (!o.value("mean").isDouble()) return "–";
    QString s = fmt(o.value("mean"), prec);
    if (o.value("sd").isDouble()) s += " ± " + fmt(o.value("sd"), 2);
    return s;
}

QString csvField(QString s) {
    if (s.contains(',') || s.contains('"') || s.contains('\n')) return "\"" + s.replace("\"", "\"\"") + "\"";
    return s;
}

}  // namespace

double RunResult::modeledTimeS() const {
    if (storedTimeS >= 0) return storedTimeS;
    double s = 0;
    for (const auto& [role, c] : devices) s += c.timeS;
    return s;
}

double RunResult::modeledEnergyJ() const {
    double s = 0;
    for (const auto& [role, c] : devices) s += c.energyJ;
    return s;
}

RunResult readRun(const Store& store, int64_t id) {
    const RunSummary sum = store.summary(id);
    const QJsonObject cfg = store.runConfig(id);
    const QJsonObject f = sum.final;
    RunResult r;
    r.runId = id;
    r.status = sum.status;
    r.arm = tagValue(sum.tags, "arm");
    r.seed = tagValue(sum.tags, "seed").isEmpty() ? cfg.value("training").toObject().value("seed").toInteger()
                                                  : tagValue(sum.tags, "seed").toLongLong();
    r.mode = cfg.value("switching").toObject().value("mode").toString();
    r.mapping = cfg.value("mapping").toObject().value("preset").toString();
    const QJsonObject test = f.value("test").toObject();
    r.testRmse = test.value("rmse").isDouble() ? test.value("rmse").toDouble() : kNaN;
    r.skill = test.value("skill").toObject();
    r.wallS = f.value("wall_s").toDouble();
    r.switchStep = f.value("switch_step").isDouble() ? f.value("switch_step").toInteger() : -1;
    r.steps = f.value("steps").toInteger();
    r.storedTimeS = f.value("modeled_time_s").isDouble() ? f.value("modeled_time_s").toDouble() : -1;
    const QJsonObject dev = f.value("devices").toObject();
    for (auto it = dev.begin(); it != dev.end(); ++it) r.devices[it.key()] = costFrom(it.value().toObject());
    const QJsonObject per = f.value("devices_per_phase").toObject();
    for (auto it = per.begin(); it != per.end(); ++it) {
        const QJsonObject roles = it.value().toObject();
        for (auto jt = roles.begin(); jt != roles.end(); ++jt) r.perPhase[it.key()][jt.key()] = costFrom(jt.value().toObject());
    }
    const QJsonObject wear = f.value("reram_wear").toObject();
    r.cellWrites = wear.contains("cell_writes_total") ? wear.value("cell_writes_total").toDouble()
                                                      : (r.devices.count("reram") ? r.devices["reram"].writes : 0);
    r.maxWritesPerCell = wear.value("max_writes_per_cell").toDouble();
    r.enduranceUsedPct = wear.value("endurance_used_pct").toDouble();

    // Steps per phase from the phase changes: a failed t-test can send DUAL back to
    // FULL, so the spans are summed, not read off the first switch.
    QString phase;
    int64_t from = 0;
    for (const auto& e : store.events(id)) {
        if (e.type != "phase") continue;
        const QString fromPhase = e.payload.value("from").toString();
        if (phase.isEmpty()) phase = fromPhase.isEmpty() ? QString("FULL") : fromPhase;
        r.stepsPerPhase[phase] += std::max<int64_t>(0, e.step - from);
        phase = e.payload.value("to").toString();
        from = e.step;
    }
    if (phase.isEmpty()) phase = f.value("phase").toString(r.mode == "lora" ? "LORA" : "FULL");
    r.stepsPerPhase[phase] += std::max<int64_t>(0, r.steps - from);
    return r;
}

QJsonObject summarize(const QString& studyId, const QString& experiment, const std::vector<Arm>& arms,
                      const std::vector<int64_t>& seeds, const std::vector<RunResult>& runs, double alpha) {
    // The run of each (arm, seed): the latest finished one.
    std::map<std::pair<QString, int64_t>, const RunResult*> byKey;
    for (const auto& r : runs) {
        if (r.status != "finished") continue;
        auto& slot = byKey[{r.arm, r.seed}];
        if (!slot || slot->runId < r.runId) slot = &r;
    }
    const auto find = [&](const QString& arm, int64_t seed) -> const RunResult* {
        auto it = byKey.find({arm, seed});
        return it == byKey.end() ? nullptr : it->second;
    };

    QJsonArray armsJson, missing, seedsJson;
    for (auto s : seeds) seedsJson.append(double(s));
    for (const auto& a : arms) {
        QJsonArray runsJson;
        std::vector<double> rmse, time, energy, wall, writes;
        std::map<QString, std::vector<double>> skill, stepsPh;
        std::map<QString, DeviceCost> devSum;
        std::map<QString, std::map<QString, DeviceCost>> phSum;
        double maxWear = 0, maxPerCell = 0;
        int n = 0;
        for (auto seed : seeds) {
            const RunResult* r = find(a.name, seed);
            if (!r) {
                missing.append(QJsonObject{{"arm", a.name}, {"seed", double(seed)}});
                continue;
            }
            ++n;
            runsJson.append(runJson(*r));
            if (std::isfinite(r->testRmse)) rmse.push_back(r->testRmse);
            time.push_back(r->modeledTimeS());
            energy.push_back(r->modeledEnergyJ());
            wall.push_back(r->wallS);
            writes.push_back(r->cellWrites);
            for (auto it = r->skill.begin(); it != r->skill.end(); ++it)
                if (it.value().toObject().value("skill").isDouble()) skill[it.key()].push_back(it.value().toObject().value("skill").toDouble());
            for (const auto& ph : kPhases) stepsPh[ph].push_back(r->stepsPerPhase.count(ph) ? double(r->stepsPerPhase.at(ph)) : 0.0);
            for (const auto& [role, c] : r->devices) {
                devSum[role].timeS += c.timeS;
                devSum[role].energyJ += c.energyJ;
                devSum[role].writes += c.writes;
            }
            for (const auto& [ph, m] : r->perPhase)
                for (const auto& [role, c] : m) {
                    phSum[ph][role].timeS += c.timeS;
                    phSum[ph][role].energyJ += c.energyJ;
                    phSum[ph][role].writes += c.writes;
                }
            maxWear = std::max(maxWear, r->enduranceUsedPct);
            maxPerCell = std::max(maxPerCell, r->maxWritesPerCell);
        }
        QJsonObject o = a.toJson();
        o.insert("runs", runsJson);
        o.insert("test_rmse", meanSd(rmse));
        o.insert("modeled_time_s", meanSd(time));
        o.insert("modeled_energy_j", meanSd(energy));
        o.insert("wall_s", meanSd(wall));
        QJsonObject skillJson, devJson, phJson, stepsJson;
        for (const auto& [b, v] : skill) skillJson.insert(b, meanSd(v));
        const auto avg = [n](const DeviceCost& c) {
            const double k = n > 0 ? 1.0 / n : 0;
            return QJsonObject{{"time_s", c.timeS * k}, {"energy_j", c.energyJ * k}, {"writes", c.writes * k}};
        };
        for (const auto& [role, c] : devSum) devJson.insert(role, avg(c));
        for (const auto& [ph, m] : phSum) {
            QJsonObject po;
            for (const auto& [role, c] : m) po.insert(role, avg(c));
            phJson.insert(ph, po);
        }
        for (const auto& [ph, v] : stepsPh) stepsJson.insert(ph, meanSd(v).value("mean"));
        o.insert("skill", skillJson);
        o.insert("devices_mean", devJson);
        o.insert("devices_per_phase_mean", phJson);
        o.insert("steps_per_phase_mean", stepsJson);
        o.insert("reram", QJsonObject{{"writes", meanSd(writes)},
                                      {"max_writes_per_cell", maxPerCell},
                                      {"endurance_used_pct_max", maxWear}});
        armsJson.append(o);
    }

    // Ratios and the quality test, paired by seed with the baseline.
    QJsonObject ratios, quality;
    const bool hasFull = std::any_of(arms.begin(), arms.end(), [](const Arm& a) { return a.name == "full"; });
    if (hasFull) {
        for (const auto& a : arms) {
            if (a.name == "full") continue;
            std::vector<double> at, ft, ae, fe, ar, fr;
            std::vector<int64_t> paired, pairedRmse;
            for (auto seed : seeds) {
                const RunResult* x = find(a.name, seed);
                const RunResult* f = find("full", seed);
                if (!x || !f) continue;
                paired.push_back(seed);
                at.push_back(x->modeledTimeS());
                ft.push_back(f->modeledTimeS());
                ae.push_back(x->modeledEnergyJ());
                fe.push_back(f->modeledEnergyJ());
                if (std::isfinite(x->testRmse) && std::isfinite(f->testRmse)) {
                    pairedRmse.push_back(seed);
                    ar.push_back(x->testRmse);
                    fr.push_back(f->testRmse);
                }
            }
            ratios.insert(a.name, QJsonObject{{"modeled_time", ratioJson(at, ft, paired)},
                                              {"modeled_energy", ratioJson(ae, fe, paired)},
                                              {"test_rmse", ratioJson(ar, fr, pairedRmse)},
                                              {"seeds", int(paired.size())}});
            const PairedTestResult t = pairedTTestGreater(ar, fr, alpha);
            QJsonObject q{{"method", pairedTestMethod()}, {"alpha", alpha}, {"n", t.n},
                          {"mean_difference", num(t.meanDiff)}, {"t", num(t.t)}, {"df", t.df}};
            if (t.defined) {
                q.insert("p_value", t.p);
                q.insert("not_worse", t.notWorse);
                q.insert("verdict", t.notWorse ? "not significantly worse" : "worse");
            } else {
                q.insert("p_value", QJsonValue::Null);
                q.insert("not_worse", QJsonValue::Null);
                q.insert("verdict", "untested: needs at least 2 seeds with both arms finished");
            }
            quality.insert(a.name, q);
        }
    }
    return {{"study_id", studyId}, {"experiment", experiment}, {"seeds", seedsJson}, {"alpha", alpha},
            {"baseline", hasFull ? QJsonValue("full") : QJsonValue(QJsonValue::Null)},
            {"arms", armsJson}, {"ratios", ratios}, {"quality_test", quality}, {"missing", missing},
            {"complete", missing.isEmpty()}, {"files", QJsonObject{}}};
}

std::vector<StudyListing> listStudies(const Store& store) {
    std::map<QString, StudyListing> byId;
    std::vector<QString> order;
    for (const auto& r : store.runs()) {
        const QString id = tagValue(r.tags, "study");
        if (id.isEmpty()) continue;
        auto [it, fresh] = byId.try_emplace(id);
        StudyListing& s = it->second;
        if (fresh) {
            s.id = id;
            order.push_back(id);
            s.experiment = r.model + "/" + r.dataset;
            s.createdAt = r.createdAt;
        }
        s.createdAt = std::min(s.createdAt, r.createdAt);
        ++s.runs;
        if (r.status == "finished") ++s.finished;
        const QString arm = tagValue(r.tags, "arm");
        if (!arm.isEmpty() && std::none_of(s.arms.begin(), s.arms.end(), [&](const Arm& a) { return a.name == arm; })) {
            const QJsonObject cfg = store.runConfig(r.id);
            Arm a{arm, cfg.value("switching").toObject().value("mode").toString(), r.mapping, {}};
            if (arm == "full") s.arms.insert(s.arms.begin(), a);
            else s.arms.push_back(a);
        }
        bool ok = false;
        const int64_t seed = tagValue(r.tags, "seed").toLongLong(&ok);
        if (ok && std::find(s.seeds.begin(), s.seeds.end(), seed) == s.seeds.end()) s.seeds.push_back(seed);
    }
    std::vector<StudyListing> out;
    for (const auto& id : order) {
        StudyListing s = byId[id];
        std::sort(s.seeds.begin(), s.seeds.end());
        out.push_back(std::move(s));
    }
    return out;
}

QJsonObject reportFromStore(const Store& store, const QString& studyId, double alpha, const QString& experiment,
                            const std::vector<Arm>& arms, const std::vector<int64_t>& seeds) {
    std::vector<RunResult> runs;
    for (const auto& r : store.runs())
        if (tagValue(r.tags, "study") == studyId) runs.push_back(readRun(store, r.id));
    std::vector<Arm> a = arms;
    std::vector<int64_t> s = seeds;
    QString exp = experiment;
    if (a.empty() || s.empty() || exp.isEmpty()) {
        for (const auto& l : listStudies(store)) {
            if (l.id != studyId) continue;
            if (a.empty()) a = l.arms;
            if (s.empty()) s = l.seeds;
            if (exp.isEmpty()) exp = l.experiment;
        }
    }
    return summarize(studyId, exp, a, s, runs, alpha);
}

int64_t tagStudyRun(Store& store, const QString& runName, const QString& studyId, const QString& arm, int64_t seed) {
    int64_t best = 0;
    QStringList tags;
    for (const auto& r : store.runs())
        if (r.name == runName && r.status == "finished" && r.id > best) {
            best = r.id;
            tags = r.tags;
        }
    if (best == 0) return 0;
    const QStringList want = runTags(studyId, arm, seed);
    QStringList kept;
    for (const auto& t : tags)
        if (!t.startsWith("study:") && !t.startsWith("arm:") && !t.startsWith("seed:")) kept << t;
    if (tags != kept + want) store.setTags(best, kept + want);
    return best;
}

std::vector<size_t> paretoFront(const std::vector<std::pair<double, double>>& pts) {
    std::vector<size_t> idx;
    for (size_t i = 0; i < pts.size(); ++i)
        if (std::isfinite(pts[i].first) && std::isfinite(pts[i].second)) idx.push_back(i);
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
        return pts[a].first != pts[b].first ? pts[a].first < pts[b].first : pts[a].second < pts[b].second;
    });
    std::vector<size_t> front;
    double best = std::numeric_limits<double>::infinity();
    for (size_t i : idx)
        if (pts[i].second < best) {
            front.push_back(i);
            best = pts[i].second;
        }
    return front;
}

QString toMarkdown(const QJsonObject& rep) {
    QString md;
    const QJsonArray arms = rep.value("arms").toArray();
    md += QString("## Study %1\n\nExperiment: %2 · seeds: %3 · α = %4%5\n\n")
              .arg(rep.value("study_id").toString(), rep.value("experiment").toString())
              .arg([&] {
                  QStringList s;
                  for (const auto& v : rep.value("seeds").toArray()) s << QString::number(v.toInteger());
                  return s.join(", ");
              }())
              .arg(rep.value("alpha").toDouble())
              .arg(rep.value("complete").toBool() ? QString()
                                                  : QString(" · **incomplete: %1 run(s) missing**")
                                                        .arg(rep.value("missing").toArray().size()));
    // Baselines for the skill columns: those of the first arm that has any.
    QStringList baselines;
    for (const auto& a : arms)
        if (baselines.isEmpty()) baselines = a.toObject().value("skill").toObject().keys();
    md += "| arm | mode | mapping | runs | test RMSE | ";
    for (const auto& b : baselines) md += "skill vs " + b + " | ";
    md += "host wall [s] | modeled time [s] | modeled energy [J] | ReRAM cell writes |\n|";
    for (int i = 0; i < 9 + baselines.size(); ++i) md += "---|";
    md += "\n";
    for (const auto& v : arms) {
        const QJsonObject a = v.toObject();
        md += QString("| %1 | %2 | %3 | %4 | %5 | ")
                  .arg(a.value("name").toString(), a.value("mode").toString(), a.value("mapping").toString())
                  .arg(a.value("runs").toArray().size())
                  .arg(meanSdText(a.value("test_rmse").toObject()));
        for (const auto& b : baselines) md += meanSdText(a.value("skill").toObject().value(b).toObject(), 3) + " | ";
        md += QString("%1 | %2 | %3 | %4 |\n")
                  .arg(meanSdText(a.value("wall_s").toObject(), 3), meanSdText(a.value("modeled_time_s").toObject()),
                       meanSdText(a.value("modeled_energy_j").toObject()),
                       meanSdText(reramWrites(a.value("reram").toObject()).toObject(), 3));
    }
    const QJsonObject ratios = rep.value("ratios").toObject(), quality = rep.value("quality_test").toObject();
    if (!ratios.isEmpty()) {
        md += "\nRatios to `full`, paired by seed (arm / full, mean ± sd over seeds); reductions are full / arm of the means over seeds:\n\n"
              "| arm | modeled time | modeled energy | test RMSE | time reduction | energy reduction | quality (p, verdict) |\n"
              "|---|---|---|---|---|---|---|\n";
        for (const auto& v : arms) {
            const QString name = v.toObject().value("name").toString();
            if (!ratios.contains(name)) continue;
            const QJsonObject r = ratios.value(name).toObject(), q = quality.value(name).toObject();
            // As the paper states it: mean of full over mean of the arm.
            const auto red = [](const QJsonObject& o) {
                const double m = o.value("of_means").toDouble();
                return o.value("of_means").isDouble() && m > 0 ? QString::number(1 / m, 'f', 2) + "×" : QString("–");
            };
            md += QString("| %1 | %2 | %3 | %4 | %5 | %6 | %7 |\n")
                      .arg(name, meanSdText(r.value("modeled_time").toObject()),
                           meanSdText(r.value("modeled_energy").toObject()), meanSdText(r.value("test_rmse").toObject()),
                           red(r.value("modeled_time").toObject()), red(r.value("modeled_energy").toObject()),
                           q.value("p_value").isDouble()
                               ? QString("p = %1 (n = %2): %3").arg(fmt(q.value("p_value"), 3)).arg(q.value("n").toInt()).arg(q.value("verdict").toString())
                               : q.value("verdict").toString());
        }
        md += QString("\nQuality test: %1, α = %2.\n").arg(pairedTestMethod()).arg(rep.value("alpha").toDouble());
    }
    // Cost per device and phase (means over seeds).
    QStringList roles;
    for (const auto& v : arms)
        for (const auto& r : v.toObject().value("devices_mean").toObject().keys())
            if (!roles.contains(r)) roles << r;
    md += "\nModeled cost per phase and device (mean over seeds; time s / energy J):\n\n| arm | phase | steps | ";
    for (const auto& r : roles) md += r + " time | " + r + " energy | ";
    md += "\n|---|---|---|";
    for (int i = 0; i < roles.size(); ++i) md += "---|---|";
    md += "\n";
    for (const auto& v : arms) {
        const QJsonObject a = v.toObject();
        const QJsonObject per = a.value("devices_per_phase_mean").toObject(), steps = a.value("steps_per_phase_mean").toObject();
        for (const auto& ph : kPhases) {
            if (!per.contains(ph) && steps.value(ph).toDouble() == 0) continue;
            md += QString("| %1 | %2 | %3 | ").arg(a.value("name").toString(), ph, fmt(steps.value(ph), 6));
            for (const auto& r : roles) {
                const QJsonObject c = per.value(ph).toObject().value(r).toObject();
                md += fmt(c.value("time_s")) + " | " + fmt(c.value("energy_j")) + " | ";
            }
            md += "\n";
        }
    }
    md += "\nReRAM: cell writes (mean), most-written cell and endurance used (max over runs):\n\n"
          "| arm | cell writes | max writes per cell | endurance used [%] |\n|---|---|---|---|\n";
    for (const auto& v : arms) {
        const QJsonObject a = v.toObject(), w = a.value("reram").toObject();
        md += QString("| %1 | %2 | %3 | %4 |\n")
                  .arg(a.value("name").toString(), meanSdText(reramWrites(w).toObject(), 3),
                       fmt(w.value("max_writes_per_cell")), fmt(w.value("endurance_used_pct_max")));
    }
    const QJsonObject files = rep.value("files").toObject();
    if (!files.isEmpty()) {
        md += "\nFiles:\n\n";
        for (auto it = files.begin(); it != files.end(); ++it) md += QString("- %1: `%2`\n").arg(it.key(), it.value().toString());
    }
    return md;
}

QString toMarkdownSummary(const std::vector<QJsonObject>& reports) {
    QString md = "| study | arm | seeds | time reduction (full / arm) | energy reduction (full / arm) | test RMSE arm / full | "
                 "quality (paired test) |\n|---|---|---|---|---|---|---|\n";
    const auto inv = [](const QJsonObject& o) {
        const double m = o.value("of_means").toDouble();
        return o.value("of_means").isDouble() && m > 0 ? QString::number(1 / m, 'f', 2) + "×" : QString("–");
    };
    for (const auto& rep : reports) {
        const QJsonObject ratios = rep.value("ratios").toObject(), quality = rep.value("quality_test").toObject();
        for (auto it = ratios.begin(); it != ratios.end(); ++it) {
            const QJsonObject r = it.value().toObject(), q = quality.value(it.key()).toObject();
            md += QString("| %1 | %2 | %3 | %4 | %5 | %6 | %7 |\n")
                      .arg(rep.value("study_id").toString(), it.key())
                      .arg(r.value("seeds").toInt())
                      .arg(inv(r.value("modeled_time").toObject()), inv(r.value("modeled_energy").toObject()),
                           meanSdText(r.value("test_rmse").toObject()),
                           q.value("p_value").isDouble()
                               ? QString("%1 (p = %2)").arg(q.value("verdict").toString(), fmt(q.value("p_value"), 3))
                               : q.value("verdict").toString());
        }
    }
    md += "\nReductions are ratios of the mean modeled time and energy over seeds (full / arm); the RMSE ratio is the "
          "mean over seeds of arm / full, paired by seed.\n";
    return md;
}

QString toCsv(const QJsonObject& rep) {
    QStringList roles, baselines;
    for (const auto& v : rep.value("arms").toArray())
        for (const auto& r : v.toObject().value("runs").toArray()) {
            for (const auto& k : r.toObject().value("devices").toObject().keys())
                if (!roles.contains(k)) roles << k;
            for (const auto& k : r.toObject().value("skill").toObject().keys())
                if (!baselines.contains(k)) baselines << k;
        }
    QStringList head{"study_id", "arm", "mode", "mapping", "seed", "run_id", "test_rmse"};
    for (const auto& b : baselines) head << "skill_" + b;
    head << "wall_s" << "modeled_time_s" << "modeled_energy_j";
    for (const auto& r : roles) head << r + "_time_s" << r + "_energy_j";
    for (const auto& ph : kPhases) head << "steps_" + ph;
    head << "switch_step" << "reram_cell_writes" << "reram_max_writes_per_cell" << "reram_endurance_used_pct";
    QString out = head.join(',') + "\n";
    const auto val = [](const QJsonValue& v) { return v.isDouble() ? QString::number(v.toDouble(), 'g', 10) : QString(); };
    for (const auto& v : rep.value("arms").toArray()) {
        const QJsonObject a = v.toObject();
        for (const auto& rv : a.value("runs").toArray()) {
            const QJsonObject r = rv.toObject();
            QStringList row{csvField(rep.value("study_id").toString()), csvField(a.value("name").toString()),
                            a.value("mode").toString(), a.value("mapping").toString(), val(r.value("seed")),
                            val(r.value("run_id")), val(r.value("test_rmse"))};
            for (const auto& b : baselines) row << val(r.value("skill").toObject().value(b));
            row << val(r.value("wall_s")) << val(r.value("modeled_time_s")) << val(r.value("modeled_energy_j"));
            for (const auto& ro : roles) {
                const QJsonObject c = r.value("devices").toObject().value(ro).toObject();
                row << val(c.value("time_s")) << val(c.value("energy_j"));
            }
            for (const auto& ph : kPhases) row << val(r.value("steps_per_phase").toObject().value(ph));
            const QJsonObject w = r.value("reram").toObject();
            row << val(r.value("switch_step")) << val(reramWrites(w)) << val(w.value("max_writes_per_cell"))
                << val(w.value("endurance_used_pct"));
            out += row.join(',') + "\n";
        }
    }
    return out;
}

}  // namespace hpt::study
