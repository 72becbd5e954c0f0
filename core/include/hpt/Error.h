#pragma once
#include <stdexcept>
#include <string>

namespace hpt {

// What went wrong, so batch mode can map it to an exit code (2 config,
// 3 data, 4 plugin, 5 diverged) and the GUI can say which part to fix.
enum class ErrorKind { Config, Data, Plugin, Diverged, Store, Internal };

// Every error a user can cause carries a sentence that names the file or
// field and says how to fix it; `where` is that file/field, kept separately so
// callers can highlight it (e.g. the GUI marks the offending input).
class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, std::string where, const std::string& message)
        : std::runtime_error(where.empty() ? message : where + ": " + message),
          kind_(kind), where_(std::move(where)) {}
    ErrorKind kind() const { return kind_; }
    const std::string& where() const { return where_; }

private:
    ErrorKind kind_;
    std::string where_;
};

inline Error configError(const std::string& field, const std::string& msg) {
    return Error(ErrorKind::Config, field, msg);
}
inline Error dataError(const std::string& where, const std::string& msg) {
    return Error(ErrorKind::Data, where, msg);
}
inline Error pluginError(const std::string& plugin, const std::string& msg) {
    return Error(ErrorKind::Plugin, plugin, msg);
}

}  // namespace hpt
