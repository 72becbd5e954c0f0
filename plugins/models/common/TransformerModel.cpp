#include "TransformerModel.h"

#include "OperationTrace.h"

#include <hpt/Error.h>

namespace hpt::models {

TransformerModel::TransformerModel(const TransformerOptions& o) : net_(o) {}

Trace TransformerModel::trace(int64_t batch) const { return operationTrace(*net_, batch); }

std::unique_ptr<Model> createTransformerModel(const ModelShape& shape, const QJsonObject& params,
                                              const std::string& pluginName) {
    try {
        return std::make_unique<TransformerModel>(TransformerOptions::fromParams(shape, params, "model.params"));
    } catch (const Error& e) {
        // Keep the field (the experiment key) and say which plugin refused.
        const std::string what = e.what();
        const std::string message = e.where().empty() ? what : what.substr(e.where().size() + 2);
        throw Error(e.kind(), e.where(), message + " (model plugin '" + pluginName + "')");
    }
}

}  // namespace hpt::models
