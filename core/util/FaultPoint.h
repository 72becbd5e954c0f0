#pragma once
// Fault injection for the crash tests (tests/faults, resources/docs/reliability.md).
//
// HPT_FAULT="<point>:<n>" makes the process SIGKILL itself the n-th time it
// passes faultPoint("<point>"): a real, instant kill at a chosen moment (mid
// checkpoint write, inside a store transaction, at a phase switch), which a
// timer-driven kill from outside would hit only by luck. HPT_FAULT_LOG=<file>
// collects faultNote() lines ("<what> <value>") that tell the test what the
// process had made durable before it died.
//
// Users never set these; unset, a point costs one load of a static flag.
namespace hpt {

// The named moments, so tests and call sites spell them the same way.
namespace fault {
constexpr const char* kStep = "step";                             // after a training step, before the checks
constexpr const char* kPhaseSwitch = "phase.switch";              // phase event sent, checkpoint not yet written
constexpr const char* kCheckpointPartial = "checkpoint.partial";  // half of the new checkpoint's bytes written
constexpr const char* kCheckpointRotated = "checkpoint.rotated";  // old one moved to .prev, new one not yet in place
constexpr const char* kStoreCommit = "store.commit";              // rows inserted, transaction not yet committed
}  // namespace fault

void faultPoint(const char* point);
void faultNote(const char* what, long long value);

}  // namespace hpt
