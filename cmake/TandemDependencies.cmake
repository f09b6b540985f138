# Finds every dependency once, for all targets. Required: OpenMP, OpenBLAS (loaded at run time, see
# kernels/cpu/blas.cc), nlohmann_json, Protobuf, Kokkos. Optional: CUDA + cuDNN + NCCL, MPI.

find_package(Threads REQUIRED)
find_package(OpenMP REQUIRED COMPONENTS CXX)
find_package(nlohmann_json 3 REQUIRED)
find_package(Protobuf REQUIRED)
find_package(ZLIB REQUIRED)  # TFRecord GZIP/ZLIB, gzipped IDX files

# Debian's Kokkos 3.4 (libtrilinos-kokkos-dev) exports Kokkos::kokkos with a wrong include path
# (/usr/lib/include); its headers live in /usr/include/trilinos. Fix it once here.
find_package(Kokkos REQUIRED)
if(Kokkos_INCLUDE_DIRS)
  set_target_properties(Kokkos::kokkos PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${Kokkos_INCLUDE_DIRS}")
endif()

# OpenBLAS: we need only its header at build time; the library is dlopen()ed so that Tandem, not the
# environment, decides the core type (OPENBLAS_CORETYPE, DESIGN section 5).
find_path(TANDEM_CBLAS_INCLUDE_DIR cblas.h PATH_SUFFIXES openblas-openmp openblas x86_64-linux-gnu/openblas-openmp
          HINTS /usr/include/x86_64-linux-gnu/openblas-openmp)
if(NOT TANDEM_CBLAS_INCLUDE_DIR)
  message(FATAL_ERROR "cblas.h not found: install libopenblas-openmp-dev")
endif()

# oneDNN's sgemm beats OpenBLAS's on every float32 shape Tandem's layers produce on this machine
# (bench/gemm_backend_bench.cc), so float32 matmul and convolution use it when it is installed;
# float64 and machines without it use OpenBLAS.
find_library(TANDEM_DNNL_LIBRARY dnnl)
find_path(TANDEM_DNNL_INCLUDE_DIR dnnl.h)
if(TANDEM_DNNL_LIBRARY AND TANDEM_DNNL_INCLUDE_DIR)
  set(TANDEM_HAVE_DNNL ON)
else()
  set(TANDEM_HAVE_DNNL OFF)
endif()

find_package(MPI COMPONENTS CXX)
set(TANDEM_HAVE_MPI ${MPI_CXX_FOUND})

# CUDA is optional and auto-detected: kernels/cuda builds whenever a toolkit is present.
set(TANDEM_HAVE_CUDA OFF)
if(TANDEM_ENABLE_CUDA)
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
      set(CMAKE_CUDA_ARCHITECTURES 90)  # Hopper (H100/H200); override on the command line
    endif()
    enable_language(CUDA)
    set(CMAKE_CUDA_STANDARD 17)  # CMake 3.25 cannot pass C++20 to nvcc; kernels/ needs only C++17
    set(CMAKE_CUDA_STANDARD_REQUIRED ON)
    find_package(CUDAToolkit REQUIRED)
    set(TANDEM_HAVE_CUDA ON)
    find_library(TANDEM_CUDNN_LIBRARY cudnn HINTS ${CUDAToolkit_LIBRARY_DIR})
    find_library(TANDEM_NCCL_LIBRARY nccl HINTS ${CUDAToolkit_LIBRARY_DIR})
  endif()
endif()
message(STATUS "Tandem: oneDNN=${TANDEM_HAVE_DNNL} CUDA=${TANDEM_HAVE_CUDA} cuDNN=${TANDEM_CUDNN_LIBRARY} NCCL=${TANDEM_NCCL_LIBRARY} MPI=${TANDEM_HAVE_MPI}")
