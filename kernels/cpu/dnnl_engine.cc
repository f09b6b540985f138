#ifdef TANDEM_HAVE_DNNL
#include "kernels/cpu/dnnl_engine.h"

namespace tandem::kernels::cpu {

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

}  // namespace tandem::kernels::cpu
#endif
