#include "bindings/python/src/process_local.h"

namespace zring::python {

std::shared_ptr<engine::Engine> ProcessEngine(absl::Status* status) {
  // Heap-allocated and never destroyed: readers in Python objects may outlive static
  // destruction at interpreter exit, and a fork child must never run the parent's destructor.
  static auto* engine = new std::shared_ptr<engine::Engine>();
  static pid_t owner = 0;
  const pid_t pid = getpid();
  if (*engine && owner != pid) Abandon(std::move(*engine));
  if (!*engine) {
    auto created = engine::Engine::Create({});
    if (!created.ok()) {
      *status = created.status();
      return nullptr;
    }
    *engine = std::shared_ptr<engine::Engine>(std::move(*created));
    owner = pid;
  }
  return *engine;
}

std::shared_ptr<engine::Engine> EngineFor(const zarr::Store& store, absl::Status* status) {
  if (store.engine_access() != zarr::EngineAccess::kObjects) return ProcessEngine(status);
  engine::EngineOptions options;
  store.ConfigureEngine(options);
  auto created = engine::Engine::Create(options);
  if (!created.ok()) {
    *status = created.status();
    return nullptr;
  }
  return std::shared_ptr<engine::Engine>(std::move(*created));
}

}  // namespace zring::python
