#include "util/RuntimeInfo.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <QFile>
#include <chrono>

#ifndef HPT_VERSION
#define HPT_VERSION "0.0.0"
#endif

namespace hpt {

QString appVersion() { return QStringLiteral(HPT_VERSION); }

QJsonObject RuntimeInfo::toJson() const {
    return {{"app_version", appVersion},
            {"torch_version", torchVersion},
            {"blas_library", blasLibrary},
            {"sgemm_256_gflops", sgemmGflops},
            {"cuda_available", cudaAvailable}};
}

double measureSgemmGflops(int n, int reps) {
    torch::NoGradGuard ng;
    auto a = torch::randn({n, n});
    auto b = torch::randn({n, n});
    auto c = torch::mm(a, b);  // warm-up (thread pool, page faults)
    double best = 1e30;
    for (int i = 0; i < reps; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        torch::mm_out(c, a, b);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        best = std::min(best, s);
    }
    return 2.0 * double(n) * n * n / best / 1e9;
}

static QString mappedBlas() {
    // The library the dynamic linker actually chose (Debian's alternatives
    // make libblas.so.3 point to reference BLAS or OpenBLAS).
    QFile maps("/proc/self/maps");
    if (!maps.open(QIODevice::ReadOnly)) return {};
    for (const auto& line : maps.readAll().split('\n')) {
        const int slash = line.indexOf('/');
        if (slash < 0) continue;
        const QString path = QString::fromUtf8(line.mid(slash));
        if (path.contains("libblas") || path.contains("libopenblas") || path.contains("libmkl")) return path;
    }
    return {};
}

RuntimeInfo probeRuntime(bool measureBlas) {
    RuntimeInfo info;
    info.appVersion = appVersion();
    info.torchVersion = QStringLiteral(TORCH_VERSION);
    info.cudaAvailable = torch::cuda::is_available();
    if (measureBlas) info.sgemmGflops = measureSgemmGflops(256, 5);
    info.blasLibrary = mappedBlas();
    return info;
}

QString slowBlasWarning(const RuntimeInfo& info) {
    if (info.sgemmGflops <= 0 || info.sgemmGflops >= kSlowBlasGflops) return {};
    // OpenBLAS already loaded and still slow: the cores are busy (or capped),
    // so telling the user to install OpenBLAS would be wrong.
    if (info.blasLibrary.contains("openblas", Qt::CaseInsensitive))
        return QString("slow BLAS: a 256^3 sgemm ran at %1 GFLOP/s although OpenBLAS (%2) is in use; the CPU is "
                       "probably busy with other work or limited (check OMP_NUM_THREADS / OPENBLAS_NUM_THREADS), "
                       "so step times measured now will be pessimistic")
            .arg(info.sgemmGflops, 0, 'f', 1)
            .arg(info.blasLibrary);
    return QString("slow BLAS: a 256^3 sgemm ran at %1 GFLOP/s (%2). Debian's libtorch uses the system BLAS; "
                   "install OpenBLAS for ~35x faster training: sudo apt-get install libopenblas0-pthread")
        .arg(info.sgemmGflops, 0, 'f', 1)
        .arg(info.blasLibrary.isEmpty() ? "unknown library" : info.blasLibrary);
}

}  // namespace hpt
