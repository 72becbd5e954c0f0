#pragma once
// The engine and the run store land in parallel with batch mode. Until their
// implementations are in the tree, batch mode and sweeps fail honestly (or
// skip merging) instead of linking against symbols that do not exist yet.
// Remove once both have landed.
#if __has_include("engine/Trainer.cpp") && __has_include("config/Experiment.cpp")
#define HPT_BATCH_HAS_ENGINE 1
#endif
#if __has_include("store/StoreSink.cpp") && __has_include("store/Store.cpp")
#define HPT_BATCH_HAS_STORE 1
#endif
