// The bounded mutation driver: runs a fuzz target (fuzz_target.h) on its seeds and then on a
// fixed number of deterministic mutations of them. Every input must give a valid result or a
// tandem::Error; anything else (another exception) fails the run, naming the seed and iteration
// that replays it and saving the input. Crashes and leaks end the process (and the sanitizer
// build reports them). Usage:
//   fuzz_<target> [iterations=3000] [seed=1] [--save-failure DIR]
//   fuzz_<target> --write-seeds DIR   (the seeds as files: a starting corpus for libFuzzer)
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <string>

#include "fuzz_target.h"
#include "mutations.h"

using tandem::fuzz::kFuzzTarget;

namespace {

int fail(const std::string& input, const std::string& why, uint64_t seed, long iteration,
         const std::string& mutations, const std::string& save_dir) {
  std::cerr << kFuzzTarget.name << ": FAILED at seed " << seed << " iteration " << iteration
            << " (mutations:" << mutations << "), input of " << input.size() << " bytes: " << why
            << "\n";
  if (!save_dir.empty()) {
    std::string path = save_dir + "/" + kFuzzTarget.name + "-failure.bin";
    std::ofstream(path, std::ios::binary).write(input.data(), static_cast<long>(input.size()));
    std::cerr << "saved the input to " << path << "\n";
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  long iterations = 3000;
  uint64_t seed = 1;
  std::string save_dir;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--save-failure" && i + 1 < argc) {
      save_dir = argv[++i];
    } else if (arg == "--write-seeds" && i + 1 < argc) {
      std::vector<std::string> seeds = kFuzzTarget.seeds();
      for (size_t k = 0; k < seeds.size(); ++k) {
        std::string path = argv[i + 1];
        path += "/seed-";
        path += std::to_string(k);
        std::ofstream(path, std::ios::binary)
            .write(seeds[k].data(), static_cast<std::streamsize>(seeds[k].size()));
      }
      return 0;
    } else if (positional++ == 0) {
      iterations = std::strtol(arg.c_str(), nullptr, 10);
    } else {
      seed = std::strtoull(arg.c_str(), nullptr, 10);
    }
  }
  std::vector<std::string> seeds = kFuzzTarget.seeds();
  long valid = 0, rejected = 0;
  // The seeds themselves must parse: a target whose seeds fail tests nothing.
  for (size_t i = 0; i < seeds.size(); ++i) {
    try {
      if (!kFuzzTarget.run(seeds[i])) {
        return fail(seeds[i], "a seed input was rejected", seed, -1, " none", save_dir);
      }
    } catch (const std::exception& e) {
      return fail(seeds[i], e.what(), seed, -1, " none", save_dir);
    }
  }
  tandem::fuzz::Random random(seed);
  for (long it = 0; it < iterations; ++it) {
    std::string mutations;
    std::string input =
        tandem::fuzz::mutate(seeds[random.below(seeds.size())], seeds, random, &mutations);
    try {
      (kFuzzTarget.run(input) ? valid : rejected) += 1;
    } catch (const std::exception& e) {
      return fail(input, std::string("not a tandem error: ") + e.what(), seed, it, mutations,
                  save_dir);
    } catch (...) {
      return fail(input, "a non-std exception", seed, it, mutations, save_dir);
    }
  }
  std::printf(
      "%s: %zu seeds and %ld mutated inputs (seed %llu): %ld valid, %ld rejected with a "
      "tandem error\n",
      kFuzzTarget.name, seeds.size(), iterations, static_cast<unsigned long long>(seed), valid,
      rejected);
  return 0;
}
