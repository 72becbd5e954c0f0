#pragma once
// The plugin API version. Bump it when any SDK header changes a virtual
// function, a struct layout, or a metadata key that the host relies on: a
// plugin built against another version is rejected (with that reason) before
// any of its code runs. See docs/writing-a-plugin.md.
#define HPT_API_VERSION 2

#define HPT_MODEL_IID "org.hpt.ModelPlugin/2"
#define HPT_DATASET_IID "org.hpt.DatasetPlugin/2"
#define HPT_DEVICE_IID "org.hpt.DevicePlugin/2"

namespace hpt {
constexpr int kApiVersion = HPT_API_VERSION;
}
