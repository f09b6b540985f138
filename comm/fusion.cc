// Tensor fusion for all_reduce_many: buffers of one dtype are packed, in order, into persistent
// fusion buffers of up to options().fusion_threshold bytes; each group is one all-reduce, and its
// result is unpacked into the callers' buffers once it completes. Many small collectives cost one
// latency each; a fused group costs one.
#include <cstring>

#include "comm/communicator.h"

namespace tandem::comm {
namespace {

// One in-flight all-reduce and, for a fused group, where its pieces go back to.
struct Part {
  std::unique_ptr<Work> work;
  std::shared_ptr<std::vector<char>> fused;  // null when the buffer was reduced in place
  std::vector<Buffer> members;
  ScalarType wire = ScalarType::kFloat32;  // the packed dtype (16-bit when compressed)
};

// Copies `count` elements of `from` to `to`, converting float32 to or from a 16-bit wire type.
void convert(const void* from, ScalarType from_type, void* to, ScalarType to_type, size_t count) {
  if (from_type == to_type) {
    if (count) std::memcpy(to, from, count * element_size(from_type));
    return;
  }
  if (from_type == ScalarType::kFloat32) {
    const float* src = static_cast<const float*>(from);
    kernels::visit_float(to_type, [&](auto tag) {
      using T = decltype(tag);
      T* dst = static_cast<T*>(to);
      for (size_t i = 0; i < count; ++i) dst[i] = T(src[i]);
    });
  } else {
    float* dst = static_cast<float*>(to);
    kernels::visit_float(from_type, [&](auto tag) {
      using T = decltype(tag);
      const T* src = static_cast<const T*>(from);
      for (size_t i = 0; i < count; ++i) dst[i] = static_cast<float>(src[i]);
    });
  }
}

class FusedWork : public Work {
 public:
  explicit FusedWork(std::vector<Part> parts) : parts_(std::move(parts)) {}

  void wait() override {
    // Part by part, so unpacking a finished group overlaps with the next group's collective.
    for (Part& p : parts_) {
      p.work->wait();  // throws the first failure
      unpack(p);
    }
  }
  bool test() override {
    for (Part& p : parts_)
      if (!p.work->test()) return false;
    if (error().empty())
      for (Part& p : parts_) unpack(p);
    return true;
  }
  std::string error() override {
    for (Part& p : parts_) {
      std::string e = p.work->error();
      if (!e.empty()) return e;
    }
    return "";
  }

 private:
  static void unpack(Part& p) {
    if (!p.fused) return;
    size_t offset = 0;
    for (const Buffer& b : p.members) {
      convert(p.fused->data() + offset, p.wire, b.data, b.dtype, b.count);
      offset += b.count * element_size(p.wire);
    }
    p.fused.reset();  // back to the pool; unpacked once
  }

  std::vector<Part> parts_;
};

}  // namespace

std::shared_ptr<std::vector<char>> Communicator::acquire_fusion_buffer(size_t bytes) {
  for (auto& b : fusion_pool_) {
    if (b.use_count() == 1) {  // only the pool holds it: no collective is using it
      if (b->size() < bytes) b->resize(bytes);
      return b;
    }
  }
  fusion_pool_.push_back(std::make_shared<std::vector<char>>(bytes));
  return fusion_pool_.back();
}

std::unique_ptr<Work> Communicator::iall_reduce_many(const std::vector<Buffer>& buffers,
                                                     ReduceOp op, const std::string& name) {
  const size_t threshold = options_.fusion_threshold;
  std::vector<Part> parts;
  size_t i = 0;
  while (i < buffers.size()) {
    // The group is [i, j): same dtype, host memory, total bytes within the threshold.
    size_t bytes = buffers[i].count * element_size(buffers[i].dtype);
    size_t j = i + 1;
    while (j < buffers.size() && buffers[j].dtype == buffers[i].dtype && buffers[j].device < 0 &&
           buffers[i].device < 0 &&
           bytes + buffers[j].count * element_size(buffers[j].dtype) <= threshold) {
      bytes += buffers[j].count * element_size(buffers[j].dtype);
      ++j;
    }
    const std::string part_name = name + "[" + std::to_string(i) + "]";
    const bool compress = options_.compression != ScalarType::kFloat32 &&
                          buffers[i].dtype == ScalarType::kFloat32 && buffers[i].device < 0;
    Part part;
    if (j == i + 1 && !compress) {
      part.work = iall_reduce(buffers[i], buffers[i], op, part_name);
    } else {
      part.wire = compress ? options_.compression : buffers[i].dtype;
      size_t count = 0;
      for (size_t k = i; k < j; ++k) count += buffers[k].count;
      part.fused = acquire_fusion_buffer(count * element_size(part.wire));
      size_t offset = 0;
      for (size_t k = i; k < j; ++k) {
        convert(buffers[k].data, buffers[k].dtype, part.fused->data() + offset, part.wire,
                buffers[k].count);
        offset += buffers[k].count * element_size(part.wire);
        part.members.push_back(buffers[k]);
      }
      Buffer fused{.data = part.fused->data(), .count = count, .dtype = part.wire};
      part.work = checked_submit({.kind = CollectiveKind::kAllReduce,
                                  .name = part_name + "+" + std::to_string(j - i - 1),
                                  .in = fused,
                                  .out = fused,
                                  .op = op,
                                  .wire_16bit = compress});
    }
    parts.push_back(std::move(part));
    i = j;
  }
  return std::make_unique<FusedWork>(std::move(parts));
}

}  // namespace tandem::comm
