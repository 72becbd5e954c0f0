#!/usr/bin/env python3
"""Writes the bad-input corpus (small, hand-made files; no real data) and cases.json.

Each case copies corpus files into a fresh data folder, loads one dataset plugin
with the given params and expects an hpt::Error whose message holds every
fragment in "expect" (or, with "ok": true, a successful load). Re-run after
changing a case: python3 tests/datasets/bad/make_corpus.py
"""
import io, json, os, zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
cases = []

def write(name, text, mode="w"):
    with open(os.path.join(HERE, name), mode, newline="" if mode == "w" else None) as f:
        f.write(text)

def case(name, dataset, files, expect, params=None, ok=False, kind="data"):
    c = {"name": name, "dataset": dataset, "files": files, "expect": expect, "kind": kind}
    if params: c["params"] = params
    if ok: c["ok"] = True
    cases.append(c)

# ---- wind: 57 comma-separated speeds per row, no header -------------------
def wind_row(i, n=57):
    return ",".join(f"{(i * 7 + s) % 13 * 0.5 + 1:.4f}" for s in range(n))

def wind_rows(k):
    return [wind_row(i) for i in range(k)]

W = {"wind/MS_winds.dat": None}
def wind_case(name, rows, expect, params=None, ok=False, raw=None):
    fn = f"wind_{name}.dat"
    write(fn, raw if raw is not None else "\n".join(rows) + "\n")
    case(f"wind_{name}", "wind", {"wind/MS_winds.dat": fn}, expect, params, ok)

case("wind_missing_file", "wind", {}, ["MS_winds.dat", "looked in", "datasets/download", "--data-dir"])
wind_case("empty", [], ["file is empty"], raw="")
wind_case("header_row", ["s" + ",s".join(str(i) for i in range(1, 58))] + wind_rows(3),
          [":1:1:", "expected a number (wind speed in m/s), found 's1'"])
r = wind_rows(5); r[2] = wind_row(2, 56)
wind_case("ragged", r, [":3:", "expected 57 columns", "found 56"])
r = wind_rows(5); r[1] = r[1].split(","); r[1][4] = "abc"; r[1] = ",".join(r[1])
wind_case("non_numeric", r, [":2:5:", "found 'abc'"])
r = wind_rows(5); r[1] = r[1].split(","); r[1][2] = "NaN"; r[1] = ",".join(r[1])
wind_case("nan_cell", r, [":2:3:", "missing value", "missing to fill or drop"])
r = wind_rows(5); r[3] = r[3].split(","); r[3][9] = ""; r[3] = ",".join(r[3])
wind_case("empty_cell", r, [":4:10:", "missing value"])
r = wind_rows(5); r[0] = r[0].split(","); r[0][0] = "inf"; r[0] = ",".join(r[0])
wind_case("inf_cell", r, [":1:1:", "expected a finite number"])
r = wind_rows(5); r[4] = r[4].split(","); r[4][56] = "1e400"; r[4] = ",".join(r[4])
wind_case("overflow", r, [":5:57:", "out of range"])
r = wind_rows(5); r[2] = r[2].split(","); r[2][7] = "1e9"; r[2] = ",".join(r[2])
wind_case("implausible", r, [":3:8:", "outside the plausible range [0, 150]"])
r = wind_rows(5); r[2] = r[2].split(","); r[2][0] = "-3"; r[2] = ",".join(r[2])
wind_case("negative", r, [":3:1:", "plausible range"])
# A good file with a BOM and CRLF line ends loads; so does a gap under fill.
wind_case("bom_crlf_ok", None, [], {"test_start": 20, "test_end": 40},
          ok=True, raw="\ufeff" + "\r\n".join(wind_rows(60)) + "\r\n")
r = wind_rows(60); r[30] = r[30].split(","); r[30][3] = ""; r[30] = ",".join(r[30])
wind_case("gap_fill_ok", r, [], {"test_start": 20, "test_end": 40, "missing": "fill"}, ok=True)
wind_case("test_rows_outside", wind_rows(30), ["test rows", "inside the file's 30 rows"],
          {"test_start": 20, "test_end": 40})
cases[-1]["kind"] = "config"

# ---- covid: a zipped county table -----------------------------------------
HEADER = ("GISJOIN,index,Date,confirmed_cases,deaths,foot_traffic,TPOP,POPDEN,Metro,Micro,POP1,POP2,POP3,POP4,"
          "Race1,Race2,Race3,Race4,FHH,HHS1,HHS2,HHS3,SE1,EDU1,EDU2,EDU3,EDU4,EDU5,PL,HHI1,HHI2,HHI3,HHI4,HHI5,"
          "MHHI,MNR,MGR,MHV,HI,MHI,QTPOP_percentage,OCCU1,OCCU2,OCCU3,OCCU4,OCCU5,DT,HD,HT,WI,OB")
NCOL = len(HEADER.split(","))

def covid_rows(counties=3, dates=(6, 13, 20)):
    out = []
    for c in range(counties):
        for d in dates:
            vals = [f"G{c:07d}", str(c + 1), str(d), str(c * 3 + d), str(c + d // 7)] + [str(1.5 + k) for k in range(NCOL - 5)]
            out.append(",".join(vals))
    return out

def covid_zip(name, text, method=zipfile.ZIP_DEFLATED, member="Covid19_01262020_09262020.csv"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        z.writestr(member, text)
    write(name, buf.getvalue(), "wb")

C = "covid/Covid19_01262020_09262020.zip"
case("covid_missing_file", "covid", {}, ["Covid19_01262020_09262020.zip", "looked in", "datasets/download"])
covid_zip("covid_header_only.zip", HEADER + "\r\n")
case("covid_header_only", "covid", {C: "covid_header_only.zip"}, ["header only"])
covid_zip("covid_no_deaths.zip", HEADER.replace(",deaths,", ",dead,") + "\n" + "\n".join(covid_rows()) + "\n")
case("covid_missing_column", "covid", {C: "covid_no_deaths.zip"}, [":1:1:", "no column 'deaths'"])
write("covid_not_a_zip.zip", "GISJOIN,Date\nG1,6\n")
case("covid_not_a_zip", "covid", {C: "covid_not_a_zip.zip"}, ["not a readable zip archive", "datasets/download"])
rows = covid_rows(); rows.insert(2, rows[1])
covid_zip("covid_duplicate.zip", HEADER + "\n" + "\n".join(rows) + "\n")
case("covid_duplicate_week", "covid", {C: "covid_duplicate.zip"}, ["G0000000", "second row for Date 13"])
rows = covid_rows(); del rows[4]
covid_zip("covid_absent_week.zip", HEADER + "\n" + "\n".join(rows) + "\n")
case("covid_absent_week", "covid", {C: "covid_absent_week.zip"}, ["G0000001 has no row for Date 13", "fill or drop"])
rows = covid_rows(); rows[3] = rows[3].rsplit(",", 1)[0]
covid_zip("covid_ragged.zip", HEADER + "\n" + "\n".join(rows) + "\n")
case("covid_ragged", "covid", {C: "covid_ragged.zip"}, ["!Covid19_01262020_09262020.csv:5:", "expected 51 columns", "found 50"])
# A stored (uncompressed) member with one byte flipped: the CRC check catches it.
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
    z.writestr("Covid19_01262020_09262020.csv", HEADER + "\n" + "\n".join(covid_rows()) + "\n")
raw = bytearray(buf.getvalue()); raw[200] ^= 0x01
write("covid_bad_crc.zip", bytes(raw), "wb")
case("covid_bad_crc", "covid", {C: "covid_bad_crc.zip"}, ["CRC-32 mismatch"])

# ---- swe: station metadata and wide forcing CSVs ---------------------------
META_HEADER = open(os.path.join(HERE, "..", "fixtures", "swe", "Snotel_Locations_Filtered_v3.csv")).readline().rstrip("\r\n")
meta_lines = open(os.path.join(HERE, "..", "fixtures", "swe", "Snotel_Locations_Filtered_v3.csv")).read().splitlines()
M = "swe/Snotel_Locations_Filtered_v3.csv"
case("swe_missing_metadata", "swe", {}, ["Snotel_Locations_Filtered_v3.csv", "looked in"])
write("swe_meta_no_slope.csv", "\n".join([meta_lines[0].replace("Slope_tif1_x", "Slope")] + meta_lines[1:]) + "\n")
case("swe_meta_missing_column", "swe", {M: "swe_meta_no_slope.csv"}, [":1:1:", "no column 'Slope_tif1_x'"])
bad = meta_lines[2].split(","); bad[6] = "high"
write("swe_meta_bad_number.csv", "\n".join(meta_lines[:2] + [",".join(bad)] + meta_lines[3:]) + "\n")
case("swe_meta_bad_number", "swe", {M: "swe_meta_bad_number.csv"}, [":3:7:", "expected a number (elevation in ft), found 'high'"])
stations = [l.split(",")[0] for l in meta_lines[1:]]
FORCING = ["VE_37_Collection.csv", "VE_19_Collection.csv", "TB_Diff_Collection.csv", "Precipitation_Collection.csv",
           "Max_Temp_Collection.csv", "Min_Temp_Collection.csv", "Obs_Temp_Collection.csv", "SWE_Collection.csv"]
def wide(names, days=10):
    lines = ["Date," + ",".join(names)]
    for d in range(days):
        lines.append(f"2005-10-{d + 1:02d}," + ",".join(f"{200 + d + k:.1f}" for k in range(len(names))))
    return "\n".join(lines) + "\n"
write("swe_forcing_ok.csv", wide(stations))
write("swe_forcing_extra_station.csv", wide(stations + ["Nowhere Peak"]))
write("swe_forcing_lacks_station.csv", wide(stations[:-1]))
def swe_files(special_index, special):
    f = {M: "../fixtures/swe/Snotel_Locations_Filtered_v3.csv"}
    for k, n in enumerate(FORCING):
        f["swe/" + n] = special if k == special_index else "swe_forcing_ok.csv"
    return f
case("swe_station_not_in_metadata", "swe", swe_files(2, "swe_forcing_extra_station.csv"),
     ["TB_Diff_Collection.csv:1:", "station 'Nowhere Peak' is not in the station metadata", "extra_stations"],
     {"source": "files"})
case("swe_station_without_column", "swe", swe_files(7, "swe_forcing_lacks_station.csv"),
     ["SWE_Collection.csv", "no column for station '" + stations[-1] + "'"], {"source": "files"})

# ---- weather: AWN hourly exports -------------------------------------------
AWN = ("TSTAMP_HOUR, MAX_TSTAMP_PST, MIN_TSTAMP_PST, UNIT_ID, STATION_NAME, LATITUDE, LONGITUDE, ELEVATION_FEET, "
       "AIR_TEMP_F, SECOND_AIR_TEMP_F,RELATIVE_HUMIDITY_%, DEWPOINT_F, LEAF_WETNESS, PRECIP_INCHES, WIND_DIRECTION_DEG, "
       "WIND_SPEED_MPH, SOLAR_RAD_WM2, SOIL_TEMP_8_IN_DEGREES_F, ")
def awn_row(day, hour):
    ts = f"2019-11-{day:02d} {hour:02d}:00"
    return f"{ts},{ts}:00, {ts}:00, 100022,Test.A,46.5,-117.3, 2760, 40.1,40.2, 90,38,0,0.01,200,3.5,50,41,"
write("weather_no_air_temp.csv", AWN.replace("AIR_TEMP_F, SECOND", "AIR_T, SECOND") + "\n" + awn_row(14, 1) + "\n")
case("weather_missing_column", "weather", {"weather/AWN_1.csv": "weather_no_air_temp.csv"}, [":1:1:", "no column 'AIR_TEMP_F'"],
     {"source": "files"})
write("weather_bad_time.csv", AWN + "\n" + awn_row(14, 1) + "\n" + awn_row(14, 2).replace("2019-11-14 02:00:00", "14/11/2019 2am") + "\n")
case("weather_bad_timestamp", "weather", {"weather/AWN_1.csv": "weather_bad_time.csv"}, [":3:2:", "expected a timestamp"],
     {"source": "files"})
case("weather_files_required", "weather", {}, ["AWN hourly exports", "looked in"], {"source": "files"})

json.dump({"cases": cases}, open(os.path.join(HERE, "cases.json"), "w"), indent=1)
print(len(cases), "cases")
