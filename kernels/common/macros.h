// Macros shared by CPU and CUDA kernels.
#pragma once

#if defined(__CUDACC__)
#define TANDEM_HD __host__ __device__
#define TANDEM_INLINE __host__ __device__ __forceinline__
#else
#define TANDEM_HD
#define TANDEM_INLINE inline
#endif
