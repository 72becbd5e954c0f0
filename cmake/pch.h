// Precompiled for every target (see hpt_use_pch in the top CMakeLists.txt).
#pragma once
#include <torch/torch.h>
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>
