#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target into corpus/<target>/.

Seeds are small: hand-made inputs that load successfully (so the fuzzer starts
from the deep paths, not only from the first error) and the repository's bad-
input fixtures (tests/datasets/bad) and example configurations. Run from
anywhere; it rewrites corpus/ completely. Regressions (regressions/<target>/)
are crash inputs and are never generated here.
"""
import io
import os
import shutil
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
BAD = os.path.join(ROOT, "tests", "datasets", "bad")
FIXTURES = os.path.join(ROOT, "tests", "datasets", "fixtures")
CORPUS = os.path.join(HERE, "corpus")
SEP = b"\n%%\n"


QUERY_SEEDS = {
    "compare": "config.lora.rank = 8 and final.test.rmse < 1.0",
    "skill": "final.test.skill.persistence.skill >= 0.1 or final.test.rmse <= 0.5",
    "regex": "(status = finished or status = interrupted) and not tags ~ '^study:'",
    "free_text": "compact-r2 baseline",
    "quoted": "name != \"a b\" and notes !~ '\\d+' && config.training.optimizer == 'adamw'",
    "null": "config.lora.alpha = null || config.lora.targets.0 != null",
    "bad_paren": "(status = finished",
    "bad_regex": "name ~ '(ab'",
}


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def wind_rows(n, bad=None):
    rows = []
    for r in range(n):
        cells = [str((r * 7 + s * 3) % 13) for s in range(57)]
        if bad and r == bad[0]:
            cells[bad[1]] = bad[2]
        rows.append(",".join(cells))
    return "\n".join(rows) + "\n"


def covid_table(counties=4, weeks=(195, 202, 209, 216, 223, 230), blank=None):
    feats = ["foot_traffic", "Date", "deaths", "POPDEN", "Metro", "Micro", "POP2", "POP3", "POP1", "POP4",
             "Race1", "Race2", "MHHI", "MNR", "MGR", "MHV", "MHI", "QTPOP_percentage", "OCCU1"]
    header = ["GISJOIN", "confirmed_cases"] + feats
    out = [",".join(header)]
    for c in range(counties):
        for w in weeks:
            row = []
            for h in header:
                if h == "GISJOIN":
                    row.append("G%07d" % (100010 + c))
                elif h == "Date":
                    row.append(str(w))
                else:
                    row.append(str((c * 5 + w + len(h)) % 17))
            if blank and blank == (c, w):
                row[5] = ""
            out.append(",".join(row))
    return "\n".join(out) + "\n"


SWE_META_HEADER = ("Station Name,Station Id_x,State Code_x,State Name_x,Network Co_x,Network Na_x,Elevation_x,"
                   "Latitude_x,Longitude_x,County Nam_x,County Cod_x,Start Date_x,End Date_x,Aspect_tif_x,"
                   "Slope_tif1_x,LandCover")


def swe_input(stations=("Peak A", "Ridge B"), bad_cell=None):
    meta = [SWE_META_HEADER]
    for i, s in enumerate(stations):
        meta.append("%s,%d,XX,TEST,SNTL,SNOTEL,%d,44.%d,-114.%d,Test,1,10/1/1990,1/1/2100,%d.0,%d.0,42"
                    % (s, 900 + i, 7000 + 300 * i, i, i, 90 * i, 10 + i))
    days = ["2005-10-%02d" % d for d in range(1, 7)] + ["2006-10-%02d" % d for d in range(1, 7)]
    wide = ["Date," + ",".join(stations)]
    for k, d in enumerate(days):
        cells = ["%d.5" % (k + i) for i in range(len(stations))]
        if bad_cell is not None and k == bad_cell:
            cells[0] = "NA"
        wide.append(d + "," + ",".join(cells))
    return ("\n".join(meta) + "\n").encode() + SEP + ("\n".join(wide) + "\n").encode()


AWN_HEADER = ("TSTAMP_HOUR,MAX_TSTAMP_PST,MIN_TSTAMP_PST,UNIT_ID,STATION_NAME,LATITUDE,LONGITUDE,ELEVATION_FEET,"
              "AIR_TEMP_F,SECOND_AIR_TEMP_F,RELATIVE_HUMIDITY_%,DEWPOINT_F,LEAF_WETNESS,PRECIP_INCHES,"
              "WIND_DIRECTION_DEG,WIND_SPEED_MPH,SOLAR_RAD_WM2,SOIL_TEMP_8_IN_DEGREES_F")


def awn_station(name, days, hours=(1, 13), gap=None):
    out = [AWN_HEADER]
    for d in days:
        for h in hours:
            t = "%s %02d:00:00" % (d, h)
            vals = ["46.5", "-117.3", "2760", str(40 + h % 7), "40.2", "90", "38", "0", "0.01", "200", "3.5",
                    "50", "41"]
            if gap == (d, h):
                vals[3] = ""
            out.append("%s,%s,%s,100022,%s,%s" % (t[:16], t, t, name, ",".join(vals)))
    return "\n".join(out) + "\n"


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)

    # csv: first byte picks the delimiter (',' ';' tab space by value mod 4).
    put("csv", "plain", b"\x00" + b"1,2,3\n4,5,6\n")
    put("csv", "quoted", b"\x00" + b'"a ""b""",2\r\n\n  "x" , NA ,-1e5\n')
    put("csv", "bom_semicolon", b"\x01" + b"\xef\xbb\xbfx;y\n1.5;+2\n")
    put("csv", "tabs_missing", b"\x02" + b"1\t\tnan\n\t\n3\tN/A\t1e400\n")
    put("csv", "unterminated", b"\x00" + b'1,"2\n')
    put("csv", "swe_forcing", b"\x00" + read(os.path.join(BAD, "swe_forcing_ok.csv")))
    put("csv", "awn", b"\x00" + read(os.path.join(BAD, "weather_bad_time.csv")))

    # zip: the covid fixtures (stored, deflated, bad CRC, not a zip) and a zip64-flavoured one.
    for f in sorted(os.listdir(BAD)):
        if f.endswith(".zip"):
            put("zip", f, read(os.path.join(BAD, f)))
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.csv", "x,y\n1,2\n" * 20)
        z.writestr("b.txt", "")
    put("zip", "two_members_deflate", b.getvalue())
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_STORED, allowZip64=True) as z:
        with z.open("big.csv", "w", force_zip64=True) as m:
            m.write(b"1,2\n")
    put("zip", "zip64_stored", b.getvalue())

    # wind: 57 comma-separated speeds per row, rows [20, 40) are the test split.
    put("wind", "ok_46_rows", wind_rows(46))
    put("wind", "gap", wind_rows(46, bad=(30, 5, "")))
    put("wind", "implausible", wind_rows(24, bad=(2, 4, "151")))
    for f in ("wind_ragged.dat", "wind_header_row.dat", "wind_non_numeric.dat", "wind_empty.dat"):
        put("wind", f, read(os.path.join(BAD, f)))

    # covid: the county table CSV (the target zips it); Date 209 is the cut.
    put("covid", "ok", covid_table())
    put("covid", "blank_cell", covid_table(blank=(1, 202)))
    put("covid", "absent_week", covid_table().rsplit("\n", 2)[0] + "\n")
    for f in sorted(os.listdir(BAD)):
        if f.startswith("covid_") and f.endswith(".zip"):
            try:
                with zipfile.ZipFile(os.path.join(BAD, f)) as z:
                    for n in z.namelist():
                        put("covid", f[:-4] + "_" + os.path.basename(n), z.read(n))
            except (zipfile.BadZipFile, OSError):
                pass

    # swe: metadata %% forcing (the target repeats the last part for the 8 files).
    put("swe", "ok", swe_input())
    put("swe", "missing_cell", swe_input(bad_cell=3))
    fixture_meta = read(os.path.join(FIXTURES, "swe", "Snotel_Locations_Filtered_v3.csv"))
    put("swe", "fixture_meta_ok_forcing", fixture_meta + SEP + read(os.path.join(BAD, "swe_forcing_ok.csv")))
    put("swe", "fixture_meta_extra_station", fixture_meta + SEP + read(os.path.join(BAD, "swe_forcing_extra_station.csv")))
    put("swe", "meta_bad_number", read(os.path.join(BAD, "swe_meta_bad_number.csv")))

    # weather: station files separated by %%; test year 2020.
    days = ["2019-12-29", "2019-12-30", "2019-12-31", "2020-01-01", "2020-01-02", "2020-01-03"]
    put("weather", "two_stations", awn_station("A", days).encode() + SEP + awn_station("B", days).encode())
    put("weather", "one_station_gap", awn_station("A", days, gap=("2019-12-30", 1)))
    put("weather", "bad_time", read(os.path.join(BAD, "weather_bad_time.csv")))
    put("weather", "no_air_temp", read(os.path.join(BAD, "weather_no_air_temp.csv")))

    # numeric_csv: what `hpt stats ttest` / `hpt id` read.
    put("numeric_csv", "header", "loss,step\n0.5,1\n0.25,2\n")
    put("numeric_csv", "mixed_separators", "# comment\n1 2\t3\n4;5,6\n\n7   8 9\n")
    put("numeric_csv", "nan", "1,2\nnan,3\n")
    put("numeric_csv", "ragged", "1,2\n3\n")

    # experiment: the example experiments, plus one with --set overrides after %%.
    exp = os.path.join(ROOT, "resources", "experiments")
    for f in sorted(os.listdir(exp)):
        if f.endswith(".json"):
            put("experiment", f, read(os.path.join(exp, f)))
    put("experiment", "with_sets", read(os.path.join(exp, "wind-compact.json")) + SEP +
        b"lora.rank=4\ntraining.epochs=2\nmodel.params.heads=2\n")
    put("experiment", "syntax_error", b'{"model": {"name": "wind",}\n')

    # sweep: the example sweeps; base.json is written next to the input by the target.
    sw = os.path.join(ROOT, "resources", "sweeps")
    for f in sorted(os.listdir(sw)):
        if f.endswith(".json"):
            put("sweep", f, read(os.path.join(sw, f)))
    put("sweep", "base_file", b'{"base": "base.json", "axes": {"lora.rank": [2, 4], "training.lr": {"random": "log_uniform", "min": 1e-4, "max": 1e-2}}, "samples": 2, "seed": 3}')

    # query: the run queries of resources/docs/query.md, good and bad.
    for name, q in QUERY_SEEDS.items():
        put("query", name, q)

    # checkpoint: even length = the target appends a valid SHA-256.
    import json
    import struct
    state = json.dumps({"phase": "FULL", "step": 3}).encode()
    body = b"HPTCKPT1\n" + struct.pack("<Q", len(state)) + state + struct.pack("<Q", 0)
    if len(body) % 2:  # JSON allows trailing whitespace: pad to an even length
        state += b" "
        body = b"HPTCKPT1\n" + struct.pack("<Q", len(state)) + state + struct.pack("<Q", 0)
    put("checkpoint", "empty_tensors", body)

    # Crafted states with a valid digest (issue 23): structurally impossible, each must be a
    # data error from the resume checks, never a crash.
    def ckpt(st):
        js = json.dumps(st, sort_keys=True).encode()
        b = b"HPTCKPT1\n" + struct.pack("<Q", len(js)) + js + struct.pack("<Q", 0)
        if len(b) % 2:
            js += b" "
            b = b"HPTCKPT1\n" + struct.pack("<Q", len(js)) + js + struct.pack("<Q", 0)
        return b
    good = {"format": 1, "step": 3, "epoch": 0, "batch_in_epoch": 3, "lr": 1e-3, "switch_step": -1, "dual_step": -1,
            "lora_rank": 4, "controller": {"phase": "FULL"}, "has_theta": True, "has_theta_prime": False,
            "plateau_averages": [], "weight_distances": [], "wall_s": 1.0, "run_uuid": "r",
            "config": {"model": {"name": "testmodel"}, "dataset": {"name": "testdata"}, "training": {}}}
    crafted = {
        "crafted_no_theta": {"has_theta": False},
        "crafted_lora_without_copy": {"controller": {"phase": "LORA"}},
        "crafted_dual_without_copy": {"controller": {"phase": "DUAL"}},
        "crafted_negative_step": {"step": -5},
        "crafted_huge_step": {"step": 10**12},
        "crafted_fraction_step": {"step": 2.5},
        "crafted_unknown_phase": {"controller": {"phase": "XYZ"}},
        "crafted_switch_after_step": {"switch_step": 99},
        "crafted_zero_rank": {"has_theta_prime": True, "controller": {"phase": "DUAL"}, "lora_rank": 0},
        "crafted_nan_lr": {"lr": "nan"},
        "crafted_config_without_sections": {"config": {"model": 3}},
    }
    for name, change in crafted.items():
        st = dict(good)
        st.update(change)
        put("checkpoint", name, ckpt(st))
    put("checkpoint", "header_only", b"HPTCKPT1\n")
    put("checkpoint", "bad_magic", b"HPTCKPT2\n" + b"\0" * 56)


if __name__ == "__main__":
    main()
