// make_csv_dataset: named-map batches of CSV rows, types inferred or given, label last, errors
// naming file:line and column.
#include "tandem/data/csv_dataset.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "testing/assertions.h"
#include "testing/temp_files.h"

namespace tandem::data {
namespace {

using tandem::testing::expect_error;
using tandem::testing::expect_values;
using tandem::testing::TempDir;
using tandem::testing::write_bytes;

CsvDatasetOptions ordered(int64_t batch_size) {
  return {.batch_size = batch_size, .num_epochs = 1, .shuffle = false};
}

TEST(MakeCsvDataset, InfersTypesBatchesAndPutsTheLabelLast) {
  TempDir dir;
  write_bytes(dir.file("a.csv"), "label,x,name,w\n1,2,cat,0.5\n0,3,dog,1\n1,4,\"e, f\",2\n");
  CsvDatasetOptions opts = ordered(2);
  opts.label_name = "label";
  Dataset ds = make_csv_dataset(dir.file("a.csv"), opts);
  std::vector<Element> batches = ds.collect();
  ASSERT_EQ(batches.size(), 2u);
  const Element& b = batches[0];
  EXPECT_EQ(b.names(), (std::vector<std::string>{"x", "name", "w", "label"}));
  EXPECT_EQ(b["x"].dtype(), DType::kInt32);
  EXPECT_EQ(b["w"].dtype(), DType::kFloat32);  // 0.5 widens the column; 1 and 2 follow
  EXPECT_EQ(b["name"].dtype(), DType::kString);
  EXPECT_EQ(b["label"].dtype(), DType::kInt32);
  EXPECT_EQ(b["x"].shape(), Shape({2}));
  expect_values(b["x"], {2, 3});
  expect_values(b["w"], {0.5, 1});
  expect_values(b["label"], {1, 0});
  EXPECT_EQ(b["name"].to_vector<std::string>(), (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(batches[1]["name"].to_vector<std::string>(), std::vector<std::string>{"e, f"});
  expect_values(batches[1]["w"], {2});
}

TEST(MakeCsvDataset, WidensTypesAcrossFilesAndReadsAllOfThem) {
  TempDir dir;
  write_bytes(dir.file("p1.csv"), "a,b\n1,x\n2,y\n");
  write_bytes(dir.file("p2.csv"), "a,b\n2.5,z\n");
  Dataset ds = make_csv_dataset(dir.file("p*.csv"), ordered(10));
  std::vector<Element> batches = ds.collect();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0]["a"].dtype(), DType::kFloat32);
  expect_values(batches[0]["a"], {1, 2, 2.5});
  EXPECT_EQ(batches[0]["b"].to_vector<std::string>(), (std::vector<std::string>{"x", "y", "z"}));
}

TEST(MakeCsvDataset, ColumnDefaultsPerSelectedColumnNamesAndNoHeader) {
  TempDir dir;
  write_bytes(dir.file("n.csv"), "1;;skip\n2;7;skip\n;8;skip\n");
  CsvDatasetOptions opts = ordered(3);
  opts.header = false;
  opts.field_delim = ';';
  opts.column_names = {"id", "v", "junk"};
  opts.select_columns = {"v", "id"};
  // One default per selected column, in select_columns' order.
  opts.column_defaults = {{.dtype = float64, .default_value = "-1"},
                          {.dtype = int64, .default_value = "0"}};
  opts.label_name = "v";
  std::vector<Element> batches = make_csv_dataset(dir.file("n.csv"), opts).collect();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].names(), (std::vector<std::string>{"id", "v"}));
  EXPECT_EQ(batches[0]["id"].dtype(), DType::kInt64);
  EXPECT_EQ(batches[0]["v"].dtype(), DType::kFloat64);
  expect_values(batches[0]["id"], {1, 2, 0});
  expect_values(batches[0]["v"], {-1, 7, 8});
}

TEST(MakeCsvDataset, NaValueRepeatAndCardinality) {
  TempDir dir;
  write_bytes(dir.file("r.csv"), "k\n1\nNA\n3\n");
  CsvDatasetOptions opts = ordered(2);
  opts.na_value = "NA";
  opts.column_defaults = {{.dtype = int32, .default_value = "9"}};
  opts.num_epochs = 2;
  Dataset ds = make_csv_dataset(dir.file("r.csv"), opts);
  EXPECT_EQ(ds.cardinality(), UNKNOWN_CARDINALITY);
  std::vector<int64_t> all;
  for (const Element& b : ds) {
    for (int64_t v : b["k"].to_vector<int64_t>()) all.push_back(v);
  }
  EXPECT_EQ(all, (std::vector<int64_t>{1, 9, 3, 1, 9, 3}));
  opts.num_epochs = -1;
  EXPECT_EQ(make_csv_dataset(dir.file("r.csv"), opts).cardinality(), INFINITE_CARDINALITY);
}

TEST(MakeCsvDataset, ShuffleIsASeededPermutation) {
  TempDir dir;
  std::string text = "i\n";
  for (int i = 0; i < 50; ++i) text += std::to_string(i) + "\n";
  write_bytes(dir.file("s.csv"), text);
  CsvDatasetOptions opts{.batch_size = 50,
                         .num_epochs = 1,
                         .shuffle = true,
                         .shuffle_buffer_size = 100,
                         .shuffle_seed = 3};
  auto order = [&] {
    return make_csv_dataset(dir.file("s.csv"), opts).collect()[0]["i"].to_vector<int64_t>();
  };
  std::vector<int64_t> a = order();
  EXPECT_EQ(order(), a);
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_NE(a, sorted);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(sorted[static_cast<size_t>(i)], i);
}

TEST(MakeCsvDataset, BadRowsNameFileLineAndColumnOrAreSkipped) {
  TempDir dir;
  std::string path = dir.file("bad.csv");
  write_bytes(path, "a,b\n1,2\n3,oops\n5,6\n7\n");
  CsvDatasetOptions opts = ordered(10);
  opts.column_defaults = {{.dtype = int32}, {.dtype = float32}};
  Dataset ds = make_csv_dataset(path, opts);
  expect_error<ValueError>([&] { ds.collect(); },
                           "'" + path + "':3 column 'b' (index 1): cannot parse 'oops' as float32");
  opts.ignore_errors = true;
  std::vector<Element> batches = make_csv_dataset(path, opts).collect();
  ASSERT_EQ(batches.size(), 1u);
  expect_values(batches[0]["a"], {1, 5});
  expect_values(batches[0]["b"], {2, 6});
}

TEST(MakeCsvDataset, BadOptionsFailAtOnce) {
  TempDir dir;
  write_bytes(dir.file("o.csv"), "a,b\n1,2\n");
  CsvDatasetOptions opts = ordered(1);
  opts.label_name = "c";
  expect_error<ValueError>([&] { make_csv_dataset(dir.file("o.csv"), opts); },
                           "label_name 'c' is not among the selected columns");
  expect_error<IOError>([&] { make_csv_dataset(dir.file("missing*.csv"), ordered(1)); },
                        "no files matched");
  opts = ordered(1);
  opts.column_defaults = {{.dtype = int32}, {.dtype = int32}, {.dtype = int32}};
  expect_error<ValueError>([&] { make_csv_dataset(dir.file("o.csv"), opts); },
                           "expected one column_default per column (2)");
  expect_error<ValueError>([&] { make_csv_dataset(dir.file("o.csv"), ordered(0)); },
                           "batch_size must be positive");
}

}  // namespace
}  // namespace tandem::data
