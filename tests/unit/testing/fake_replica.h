// A strategy that claims to be replica `id` of `replicas` and answers every collective locally:
// what one replica of a data-parallel job sees (sharding, chief-only output, scaling), without MPI.
#pragma once

#include "tandem/distributed/strategy.h"

namespace tandem::testing {

class FakeReplica : public distributed::Strategy {
 public:
  explicit FakeReplica(int id, int replicas = 2) : id_(id), replicas_(replicas) {}
  int num_replicas_in_sync() const override { return replicas_; }
  int replica_id() const override { return id_; }

 private:
  int id_;
  int replicas_;
};

}  // namespace tandem::testing
