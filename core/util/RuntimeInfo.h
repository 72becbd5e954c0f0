#pragma once
// What the program runs on: LibTorch version, the BLAS library actually
// mapped into the process, its measured sgemm speed, and the torch device.
#include <QJsonObject>
#include <QString>

namespace hpt {

struct RuntimeInfo {
    QString appVersion;
    QString torchVersion;
    QString blasLibrary;     // path of the libblas mapped into this process
    double sgemmGflops = 0;  // 256³ sgemm, best of a few runs
    bool cudaAvailable = false;
    QJsonObject toJson() const;
};

// A 256³ sgemm below this many GFLOP/s means the reference BLAS is in use.
constexpr double kSlowBlasGflops = 10.0;

QString appVersion();
RuntimeInfo probeRuntime(bool measureBlas = true);
// GFLOP/s of an n³ float matmul on the CPU (best of `reps`).
double measureSgemmGflops(int n, int reps);
// The warning to print when the BLAS is slow, or "" when it is fine.
QString slowBlasWarning(const RuntimeInfo& info);

}  // namespace hpt
