// Argument checks and blocking wrappers shared by every backend, the names used in messages, and
// the environment overrides of CommOptions.
#include "comm/communicator.h"

#include <cstdlib>
#include <numeric>
#include <sstream>

namespace tandem::comm {
namespace {

bool is_supported(ScalarType t) {
  switch (t) {
    case ScalarType::kFloat32:
    case ScalarType::kFloat64:
    case ScalarType::kFloat16:
    case ScalarType::kBFloat16:
    case ScalarType::kInt32:
    case ScalarType::kInt64:
    case ScalarType::kUInt8:
      return true;
    default:
      return false;
  }
}

// Parses a non-negative number from environment variable `var`, or returns nullopt-like false.
bool env_number(const char* var, double* value) {
  const char* text = std::getenv(var);
  if (text == nullptr || *text == '\0') return false;
  char* end = nullptr;
  double v = std::strtod(text, &end);
  if (end == text || *end != '\0' || !(v >= 0))
    throw CommError(std::string(var) + ": expected a non-negative number, got '" + text + "'");
  *value = v;
  return true;
}

}  // namespace

const char* kind_name(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::kAllReduce:
      return "all_reduce";
    case CollectiveKind::kBroadcast:
      return "broadcast";
    case CollectiveKind::kAllGather:
      return "all_gather";
    case CollectiveKind::kAllGatherV:
      return "all_gather_v";
    case CollectiveKind::kReduceScatter:
      return "reduce_scatter";
    case CollectiveKind::kAllToAll:
      return "all_to_all";
    case CollectiveKind::kBarrier:
      return "barrier";
  }
  return "?";
}

const char* op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
      return "sum";
    case ReduceOp::kAvg:
      return "avg";
    case ReduceOp::kMin:
      return "min";
    case ReduceOp::kMax:
      return "max";
    case ReduceOp::kProduct:
      return "product";
  }
  return "?";
}

const char* dtype_name(ScalarType t) {
  switch (t) {
    case ScalarType::kFloat32:
      return "float32";
    case ScalarType::kFloat64:
      return "float64";
    case ScalarType::kFloat16:
      return "float16";
    case ScalarType::kBFloat16:
      return "bfloat16";
    case ScalarType::kInt32:
      return "int32";
    case ScalarType::kInt64:
      return "int64";
    case ScalarType::kUInt8:
      return "uint8";
    case ScalarType::kBool:
      return "bool";
    case ScalarType::kString:
      return "string";
  }
  return "?";
}

size_t element_size(ScalarType t) {
  switch (t) {
    case ScalarType::kFloat64:
    case ScalarType::kInt64:
      return 8;
    case ScalarType::kFloat32:
    case ScalarType::kInt32:
      return 4;
    case ScalarType::kFloat16:
    case ScalarType::kBFloat16:
      return 2;
    default:
      return 1;
  }
}

CommOptions options_from_env() {
  CommOptions options;
  double v = 0;
  if (env_number("TANDEM_COMM_TIMEOUT", &v))
    options.timeout = std::chrono::milliseconds(static_cast<int64_t>(v * 1000));
  if (env_number("TANDEM_FUSION_THRESHOLD", &v)) options.fusion_threshold = static_cast<size_t>(v);
  if (env_number("TANDEM_FUSION_PACK_LIMIT", &v))
    options.fusion_pack_limit = static_cast<size_t>(v);
  if (env_number("TANDEM_COMM_DEBUG", &v)) options.fingerprint = v != 0;
  if (env_number("TANDEM_COMM_CHECK", &v)) options.check = v != 0;
  if (const char* text = std::getenv("TANDEM_FUSION_COMPRESSION"); text && *text) {
    const std::string mode = text;
    if (mode == "float16") {
      options.compression = ScalarType::kFloat16;
    } else if (mode == "bfloat16") {
      options.compression = ScalarType::kBFloat16;
    } else if (mode != "none") {
      throw CommError("TANDEM_FUSION_COMPRESSION: expected float16, bfloat16 or none, got '" +
                      mode + "'");
    }
  }
  return options;
}

std::string Communicator::prefix() const {
  return "[rank " + std::to_string(rank()) + "/" + std::to_string(size()) + "] ";
}

std::unique_ptr<Work> Communicator::forward(Communicator& to, Collective c) const {
  to.options_ = options_;
  return to.submit(std::move(c));
}

std::unique_ptr<Work> Communicator::checked_submit(Collective c) {
  // The message prefix is built only on failure: a small collective's whole budget is a few µs.
  auto fail = [&](const std::string& what) {
    throw CommError(prefix() + kind_name(c.kind) + " '" + c.name + "': " + what);
  };
  auto check_buffer = [&](const Buffer& b, const char* role) {
    if (!is_supported(b.dtype))
      fail(std::string(role) + " dtype " + dtype_name(b.dtype) +
           " is not supported (expected float32, float64, float16, bfloat16, int32, int64 or "
           "uint8)");
    if (b.count > 0 && b.data == nullptr)
      fail(std::string(role) + " buffer has " + std::to_string(b.count) + " elements but no data");
  };
  auto expect_count = [&](const char* role, size_t expected, size_t got) {
    if (expected != got)
      fail(std::string("expected ") + role + " of " + std::to_string(expected) + " elements, got " +
           std::to_string(got));
  };
  const size_t n = static_cast<size_t>(size());
  if (c.kind != CollectiveKind::kBarrier) {
    check_buffer(c.in, "input");
    if (c.kind != CollectiveKind::kBroadcast) {
      check_buffer(c.out, "output");
      if (c.in.dtype != c.out.dtype)
        fail(std::string("input dtype ") + dtype_name(c.in.dtype) + " differs from output dtype " +
             dtype_name(c.out.dtype));
    }
  }
  switch (c.kind) {
    case CollectiveKind::kAllReduce:
      expect_count("an output", c.in.count, c.out.count);
      break;
    case CollectiveKind::kBroadcast:
      if (c.root < 0 || c.root >= size())
        fail("root " + std::to_string(c.root) + " is not a rank in [0, " + std::to_string(n) + ")");
      c.out = c.in;
      break;
    case CollectiveKind::kAllGather:
      expect_count("an output (size x input)", n * c.in.count, c.out.count);
      break;
    case CollectiveKind::kAllGatherV:
      expect_count("counts (one per rank)", n, c.counts.size());
      expect_count("counts[rank] equal to the input", c.in.count,
                   c.counts[static_cast<size_t>(rank())]);
      expect_count("an output (sum of counts)",
                   std::accumulate(c.counts.begin(), c.counts.end(), size_t{0}), c.out.count);
      break;
    case CollectiveKind::kReduceScatter:
      expect_count("an input (size x output)", n * c.out.count, c.in.count);
      break;
    case CollectiveKind::kAllToAll:
      expect_count("an output", c.in.count, c.out.count);
      if (c.in.count % n != 0)
        fail("input of " + std::to_string(c.in.count) + " elements does not split into " +
             std::to_string(n) + " equal blocks");
      break;
    case CollectiveKind::kBarrier:
      break;
  }
  return submit(std::move(c));
}

std::unique_ptr<Work> Communicator::iall_reduce(const Buffer& in, const Buffer& out, ReduceOp op,
                                                const std::string& name) {
  return checked_submit(
      {.kind = CollectiveKind::kAllReduce, .name = name, .in = in, .out = out, .op = op});
}
std::unique_ptr<Work> Communicator::ibroadcast(const Buffer& buf, int root,
                                               const std::string& name) {
  return checked_submit(
      {.kind = CollectiveKind::kBroadcast, .name = name, .in = buf, .out = buf, .root = root});
}
std::unique_ptr<Work> Communicator::iall_gather(const Buffer& in, const Buffer& out,
                                                const std::string& name) {
  return checked_submit({.kind = CollectiveKind::kAllGather, .name = name, .in = in, .out = out});
}
std::unique_ptr<Work> Communicator::iall_gather_v(const Buffer& in, const Buffer& out,
                                                  const std::vector<size_t>& counts,
                                                  const std::string& name) {
  return checked_submit(
      {.kind = CollectiveKind::kAllGatherV, .name = name, .in = in, .out = out, .counts = counts});
}
std::unique_ptr<Work> Communicator::ireduce_scatter(const Buffer& in, const Buffer& out,
                                                    ReduceOp op, const std::string& name) {
  return checked_submit(
      {.kind = CollectiveKind::kReduceScatter, .name = name, .in = in, .out = out, .op = op});
}
std::unique_ptr<Work> Communicator::iall_to_all(const Buffer& in, const Buffer& out,
                                                const std::string& name) {
  return checked_submit({.kind = CollectiveKind::kAllToAll, .name = name, .in = in, .out = out});
}
std::unique_ptr<Work> Communicator::ibarrier(const std::string& name) {
  return checked_submit({.kind = CollectiveKind::kBarrier, .name = name});
}

void Communicator::all_reduce(const Buffer& in, const Buffer& out, ReduceOp op,
                              const std::string& name) {
  iall_reduce(in, out, op, name)->wait();
}
void Communicator::broadcast(const Buffer& buf, int root, const std::string& name) {
  ibroadcast(buf, root, name)->wait();
}
void Communicator::all_gather(const Buffer& in, const Buffer& out, const std::string& name) {
  iall_gather(in, out, name)->wait();
}
void Communicator::all_gather_v(const Buffer& in, const Buffer& out,
                                const std::vector<size_t>& counts, const std::string& name) {
  iall_gather_v(in, out, counts, name)->wait();
}
void Communicator::reduce_scatter(const Buffer& in, const Buffer& out, ReduceOp op,
                                  const std::string& name) {
  ireduce_scatter(in, out, op, name)->wait();
}
void Communicator::all_to_all(const Buffer& in, const Buffer& out, const std::string& name) {
  iall_to_all(in, out, name)->wait();
}
void Communicator::barrier(const std::string& name) { ibarrier(name)->wait(); }
void Communicator::all_reduce_many(const std::vector<Buffer>& buffers, ReduceOp op,
                                   const std::string& name, std::optional<ScalarType> compression) {
  iall_reduce_many(buffers, op, name, compression)->wait();
}

}  // namespace tandem::comm
