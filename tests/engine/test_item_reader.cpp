// Engine tests: Distributed Map I/O (issue #20): the object store, every ItemReader rule, the
// ItemBatcher, the ResultWriter's files, and items streamed as the Map's window drains.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/run.hpp"
#include "support/temp_bucket_root.hpp"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <streambuf>
#include <string>
#include <unistd.h>

#include <asl/detail/items/csv_reader.hpp>  // the record splitter, tested on its own below

using asl::Json;
using asl::testing::run_machine;
namespace fs = std::filesystem;

namespace {

struct TempDir : asl::testing::TempBucketRoot {
  TempDir() : TempBucketRoot("dmap") {}
};

/// A Distributed Map whose children run a Pass state (their input is their output).
Json dmap(Json extra, Json processor_state = Json::parse(R"({"Type":"Pass","End":true})")) {
  Json map = {{"Type", "Map"},
              {"ItemProcessor",
               {{"ProcessorConfig", {{"Mode", "DISTRIBUTED"}, {"ExecutionType", "STANDARD"}}},
                {"StartAt", "P"},
                {"States", {{"P", processor_state}}}}},
              {"End", true}};
  for (auto& [k, v] : extra.items()) map[k] = v;
  return Json{{"StartAt", "M"}, {"States", {{"M", map}}}};
}

Json reader(const std::string& key, Json config) {
  return Json{{"Resource", "arn:aws:states:::s3:getObject"},
              {"Parameters", {{"Bucket", "in"}, {"Key", key}}},
              {"ReaderConfig", std::move(config)}};
}

asl::ExecutionResult run_with(const TempDir& dir, const Json& definition, const Json& input = Json::object(),
                              const asl::TaskResolver& tasks = asl::HandlerRegistry{}) {
  asl::EngineOptions o;
  o.object_store = std::make_shared<asl::LocalDirectoryStore>(dir.path);
  return run_machine(definition, input, tasks, o);
}

}  // namespace

TEST_CASE("items: LocalDirectoryStore puts atomically, gets, lists in key order", "[items]") {
  TempDir dir;
  fs::create_directories(dir.path / "b");
  asl::LocalDirectoryStore store(dir.path);
  store.put_object("b", "x/2.txt", "two");
  store.put_object("b", "x/1.txt", "one!");
  store.put_object("b", "y.txt", "y");
  store.put_object("b", "x/1.txt", "ONE");  // replaced whole
  auto in = store.get_object("b", "x/1.txt");
  std::string text((std::istreambuf_iterator<char>(*in)), std::istreambuf_iterator<char>());
  CHECK(text == "ONE");
  auto list = store.list_objects("b", "x/");
  REQUIRE(list.size() == 2);  // no temporary file left behind
  CHECK(list[0].key == "x/1.txt");
  CHECK(list[0].size == 3);
  CHECK(list[1].key == "x/2.txt");
  CHECK(list[0].etag.front() == '"');
  CHECK(list[0].last_modified.size() == 20);
  CHECK_THROWS_AS(store.get_object("b", "nope"), asl::ObjectStoreError);
  CHECK_THROWS_AS(store.get_object("b", "../b/y.txt"), asl::ObjectStoreError);
  CHECK_THROWS_AS(store.put_object("nobucket", "k", "v"), asl::ObjectStoreError);
  CHECK_THROWS_AS(store.list_objects("nobucket", ""), asl::ObjectStoreError);
}

TEST_CASE("items: CSV with the header in the first row, every value a string", "[items]") {
  TempDir dir;
  dir.write("in", "a.csv", "id,0,True\n1,x,{}\n\"2,5\",\"say \"\"hi\"\"\",\"line\nbreak\"\r\n");
  auto r = run_with(dir, dmap({{"ItemReader", reader("a.csv", {{"InputType", "CSV"}, {"CSVHeaderLocation", "FIRST_ROW"}})}}));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"([{"id":"1","0":"x","True":"{}"},
                                    {"id":"2,5","0":"say \"hi\"","True":"line\nbreak"}])"));
}

TEST_CASE("items: CSV with given headers, extra fields dropped, missing ones empty", "[items]") {
  TempDir dir;
  dir.write("in", "a.csv", "Value1,Value2\n   \n,,,\n");
  SECTION("one header") {
    auto r = run_with(dir, dmap({{"ItemReader", reader("a.csv", {{"InputType", "CSV"},
                                                                  {"CSVHeaderLocation", "GIVEN"},
                                                                  {"CSVHeaders", {"H1"}}})}}));
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json::parse(R"([{"H1":"Value1"},{"H1":"   "},{"H1":""}])"));
  }
  SECTION("three headers") {
    auto r = run_with(dir, dmap({{"ItemReader", reader("a.csv", {{"InputType", "CSV"},
                                                                  {"CSVHeaderLocation", "GIVEN"},
                                                                  {"CSVHeaders", {"Col1", "Col2", "Col3"}}})}}));
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json::parse(R"([{"Col1":"Value1","Col2":"Value2","Col3":""},
                                      {"Col1":"   ","Col2":"","Col3":""},
                                      {"Col1":"","Col2":"","Col3":""}])"));
  }
  SECTION("duplicate headers: AWS's error and cause") {
    auto r = run_with(dir, dmap({{"ItemReader", reader("a.csv", {{"InputType", "CSV"},
                                                                  {"CSVHeaderLocation", "GIVEN"},
                                                                  {"CSVHeaders", {"H", "H"}}})}}));
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::string("States.ItemReaderFailed"));
    CHECK(r.cause == std::string("CSV headers cannot contain duplicates."));
  }
}

TEST_CASE("items: CSV delimiters and an empty-string header", "[items]") {
  TempDir dir;
  dir.write("in", "p.csv", "a|b|\n1|2|3\n");
  dir.write("in", "t.csv", "a\tb\n1\t2\n");
  auto r = run_with(dir, dmap({{"ItemReader", reader("p.csv", {{"InputType", "CSV"},
                                                                {"CSVHeaderLocation", "FIRST_ROW"},
                                                                {"CSVDelimiter", "PIPE"}})}}));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"([{"a":"1","b":"2","":"3"}])"));
  r = run_with(dir, dmap({{"ItemReader", reader("t.csv", {{"InputType", "CSV"},
                                                           {"CSVHeaderLocation", "FIRST_ROW"},
                                                           {"CSVDelimiter", "TAB"}})}}));
  CHECK(r.output == Json::parse(R"([{"a":"1","b":"2"}])"));
}

TEST_CASE("items: JSON must be an array; JSONL is a value per line", "[items]") {
  TempDir dir;
  dir.write("in", "arr.json", R"([{"a":1},2,"three"])");
  dir.write("in", "obj.json", R"({"a":[1,2]})");
  dir.write("in", "lines.jsonl", "{\"a\":1}\n\n[2]\r\n\"x\"\n");
  auto r = run_with(dir, dmap({{"ItemReader", reader("arr.json", {{"InputType", "JSON"}})}}));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"([{"a":1},2,"three"])"));
  r = run_with(dir, dmap({{"ItemReader", reader("obj.json", {{"InputType", "JSON"}})}}));
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::string("States.ItemReaderFailed"));
  CHECK(r.cause == std::string("Attempting to map over non-iterable node."));
  r = run_with(dir, dmap({{"ItemReader", reader("obj.json", {{"InputType", "JSON"}, {"ItemsPointer", "/a"}})}}));
  CHECK(r.output == Json::parse("[1,2]"));
  r = run_with(dir, dmap({{"ItemReader", reader("lines.jsonl", {{"InputType", "JSONL"}})}}));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"([{"a":1},[2],"x"])"));
}

TEST_CASE("items: a missing object, or no store, fails the Map Run with States.ItemReaderFailed", "[items]") {
  TempDir dir;
  fs::create_directories(dir.path / "in");
  auto observer = std::make_shared<asl::testing::RecordingObserver>();
  asl::EngineOptions o;
  o.object_store = std::make_shared<asl::LocalDirectoryStore>(dir.path);
  auto r = run_machine(dmap({{"ItemReader", reader("none.csv", {{"InputType", "CSV"}})}}), Json::object(),
                       asl::HandlerRegistry{}, o, observer);
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::string("States.ItemReaderFailed"));
  std::vector<std::string> types;
  for (const auto& e : observer->events) types.emplace_back(asl::to_string(e.type));
  CHECK(types == std::vector<std::string>{"ExecutionStarted", "MapStateEntered", "MapStateStarted", "MapRunStarted",
                                          "MapRunFailed", "MapStateFailed", "ExecutionFailed"});
  r = run_machine(dmap({{"ItemReader", reader("none.csv", {{"InputType", "CSV"}})}}));
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::string("States.ItemReaderFailed"));
  CHECK(r.cause->find("EngineOptions::object_store") != std::string::npos);
}

TEST_CASE("items: MaxItems and MaxItemsPath, with AWS's errors", "[items]") {
  TempDir dir;
  dir.write("in", "n.json", "[0,1,2,3,4]");
  auto r = run_with(dir, dmap({{"ItemReader", reader("n.json", {{"InputType", "JSON"}, {"MaxItems", 2}})}}));
  CHECK(r.output == Json::parse("[0,1]"));
  r = run_with(dir, dmap({{"ItemReader", reader("n.json", {{"InputType", "JSON"}, {"MaxItems", 0}})}}));
  CHECK(r.output == Json::parse("[0,1,2,3,4]"));
  const Json by_path = dmap({{"ItemReader", reader("n.json", {{"InputType", "JSON"}, {"MaxItemsPath", "$.MaxItems"}})}});
  r = run_with(dir, by_path, Json{{"MaxItems", 3}});
  CHECK(r.output == Json::parse("[0,1,2]"));
  r = run_with(dir, by_path, Json{{"MaxItems", -1}});
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::string("States.ItemReaderFailed"));
  CHECK(r.cause == std::string("field MaxItems must be positive"));
  r = run_with(dir, by_path, Json{{"MaxItems", 1.5}});
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::string("States.Runtime"));
  CHECK(r.cause == std::string("An error occurred while executing the state 'M' (entered at the event id #2). "
                                     "The MaxItemsPath field refers to value \"1.5\" which is not a valid integer: "
                                     "$.MaxItems"));
}

TEST_CASE("items: Parameters read the input; JSONata Arguments evaluate", "[items]") {
  TempDir dir;
  dir.write("in", "k/a.json", "[1,2]");
  Json rd = reader("", {{"InputType", "JSON"}});
  rd["Parameters"] = {{"Bucket", "in"}, {"Key.$", "$.key"}};
  auto r = run_with(dir, dmap({{"ItemReader", rd}}), Json{{"key", "k/a.json"}});
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse("[1,2]"));
  Json ata = dmap({{"QueryLanguage", "JSONata"},
                   {"ItemReader",
                    {{"Resource", "arn:aws:states:::s3:getObject"},
                     {"Arguments", {{"Bucket", "in"}, {"Key", "{% $states.input.key %}"}}},
                     {"ReaderConfig", {{"InputType", "JSON"}, {"MaxItems", "{% 1 %}"}}}}}});
  r = run_with(dir, ata, Json{{"key", "k/a.json"}});
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse("[1]"));
}

TEST_CASE("items: s3:listObjectsV2 gives an item per object, with AWS's fields", "[items]") {
  TempDir dir;
  dir.write("in", "data/a.txt", "aa");
  dir.write("in", "data/b.txt", "b");
  dir.write("in", "other.txt", "x");
  Json rd = {{"Resource", "arn:aws:states:::s3:listObjectsV2"}, {"Parameters", {{"Bucket", "in"}, {"Prefix", "data/"}}}};
  auto r = run_with(dir, dmap({{"ItemReader", rd}}));
  REQUIRE(r.status == asl::Status::succeeded);
  REQUIRE(r.output.size() == 2);
  const Json& a = r.output[0];
  std::vector<std::string> keys;
  for (auto& [k, v] : a.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"Etag", "Key", "LastModified", "Size", "StorageClass"});
  CHECK(a["Key"] == "data/a.txt");
  CHECK(a["Size"] == 2);
  CHECK(r.output[1]["Key"] == "data/b.txt");
}

TEST_CASE("items: manifests (Athena data, S3 Inventory) read their files in turn", "[items]") {
  TempDir dir;
  dir.write("in", "part1.csv", "a,b\n1,2\n");
  dir.write("in", "part2.csv", "a,b\n3,4\n");
  dir.write("in", "athena.csv", "s3://in/part1.csv\ns3://in/part2.csv\n");
  auto r = run_with(dir, dmap({{"ItemReader", reader("athena.csv", {{"InputType", "CSV"},
                                                                     {"ManifestType", "ATHENA_DATA"},
                                                                     {"CSVHeaderLocation", "FIRST_ROW"}})}}));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"([{"a":"1","b":"2"},{"a":"3","b":"4"}])"));
  dir.write("inv", "data/f1.csv", "\"src\",\"k1\",\"10\"\n\"src\",\"k2\",\"20\"\n");
  dir.write("in", "manifest.json",
            R"({"sourceBucket":"src","destinationBucket":"arn:aws:s3:::inv","fileFormat":"CSV",
                "fileSchema":"Bucket, Key, Size","files":[{"key":"data/f1.csv","size":30}]})");
  r = run_with(dir, dmap({{"ItemReader", reader("manifest.json", {{"InputType", "MANIFEST"}})}}));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"([{"Bucket":"src","Key":"k1","Size":"10"},{"Bucket":"src","Key":"k2","Size":"20"}])"));
}

namespace {
/// An endless-looking CSV made row by row as it is read: counts the rows handed out.
class RowMaker : public std::streambuf {
 public:
  RowMaker(std::size_t rows, std::atomic<std::size_t>& made) : rows_(rows), made_(made) {}

 protected:
  int_type underflow() override {
    if (next_ > rows_) return traits_type::eof();
    line_ = next_ == 0 ? std::string("n\n") : std::to_string(next_) + "\n";
    ++next_;
    made_.store(next_, std::memory_order_relaxed);
    setg(line_.data(), line_.data(), line_.data() + line_.size());
    return traits_type::to_int_type(line_[0]);
  }

 private:
  std::size_t rows_, next_ = 0;
  std::atomic<std::size_t>& made_;
  std::string line_;
};

class GeneratedStore : public asl::ObjectStore {
 public:
  GeneratedStore(std::size_t rows, std::atomic<std::size_t>& made) : rows_(rows), made_(made) {}
  std::unique_ptr<std::istream> get_object(const std::string&, const std::string&) override {
    struct Stream : std::istream {
      explicit Stream(std::unique_ptr<RowMaker> b) : std::istream(b.get()), buf(std::move(b)) {}
      std::unique_ptr<RowMaker> buf;
    };
    return std::make_unique<Stream>(std::make_unique<RowMaker>(rows_, made_));
  }
  std::vector<asl::ObjectInfo> list_objects(const std::string&, const std::string&) override { return {}; }
  void put_object(const std::string&, const std::string&, std::string_view) override {}

 private:
  std::size_t rows_;
  std::atomic<std::size_t>& made_;
};
}  // namespace

TEST_CASE("items: rows are read as the Map's window drains, never the whole file first", "[items]") {
  constexpr std::size_t rows = 300'000;
  std::atomic<std::size_t> made{0};
  std::size_t max_lead = 0, seen = 0;
  asl::HandlerRegistry tasks;
  tasks.add("arn:count", [&](const Json& in) -> Json {
    seen += in["Items"].size();
    max_lead = std::max(max_lead, made.load() - seen);
    return Json(in["Items"].size());
  });
  asl::EngineOptions o;
  o.object_store = std::make_shared<GeneratedStore>(rows, made);
  const Json def = dmap({{"ItemReader", reader("gen.csv", {{"InputType", "CSV"}})},
                         {"ItemBatcher", {{"MaxItemsPerBatch", 1000}}},
                         {"MaxConcurrency", 2},
                         {"ResultSelector", {{"batches.$", "States.ArrayLength($)"}}}},
                        Json::parse(R"({"Type":"Task","Resource":"arn:count","End":true})"));
  auto r = run_machine(def, Json::object(), tasks, o);
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json{{"batches", 300}});
  CHECK(seen == rows);
  // Two batches in flight plus the reader's buffer, not 300,000 rows.
  CHECK(max_lead < 80'000);
}

TEST_CASE("batcher: MaxItemsPerBatch, BatchInput, and items from the state input", "[items]") {
  Json items = Json::array();
  for (int i = 0; i < 1130; ++i) items.push_back(i);
  auto r = run_machine(dmap({{"ItemBatcher", {{"MaxItemsPerBatch", 100}, {"BatchInput", {{"run.$", "$.run"}}}}},
                             {"ItemsPath", "$.items"}}),
                       Json{{"items", items}, {"run", "r1"}});
  REQUIRE(r.status == asl::Status::succeeded);
  REQUIRE(r.output.size() == 12);  // AWS's example: 11 x 100 + 30
  CHECK(r.output[0]["BatchInput"] == Json{{"run", "r1"}});
  CHECK(r.output[0]["Items"].size() == 100);
  CHECK(r.output[0]["Items"][0] == 0);
  CHECK(r.output[11]["Items"].size() == 30);
  CHECK(r.output[11]["Items"][29] == 1129);
  std::vector<std::string> keys;
  for (auto& [k, v] : r.output[0].items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"BatchInput", "Items"});
}

TEST_CASE("batcher: MaxInputBytesPerBatch (and its Path) bound a batch's input", "[items]") {
  Json items = Json::array();
  for (int i = 0; i < 10; ++i) items.push_back("xxxxxxxx");  // 10 bytes each as JSON
  // {"Items":[]} is 12 bytes; each item adds 10 and a comma: 3 items fit in 45.
  auto r = run_machine(dmap({{"ItemBatcher", {{"MaxInputBytesPerBatchPath", "$.bytes"}}}, {"ItemsPath", "$.items"}}),
                       Json{{"bytes", 45}, {"items", items}});
  REQUIRE(r.status == asl::Status::succeeded);
  REQUIRE(r.output.size() == 4);
  CHECK(r.output[0] == Json{{"Items", {"xxxxxxxx", "xxxxxxxx", "xxxxxxxx"}}});
  CHECK(r.output[3]["Items"].size() == 1);
  r = run_machine(dmap({{"ItemBatcher", {{"MaxItemsPerBatch", 2}, {"MaxInputBytesPerBatch", 45}}}}), items);
  CHECK(r.output.size() == 5);
}

TEST_CASE("batcher: ItemSelector shapes each item before batching", "[items]") {
  auto r = run_machine(dmap({{"ItemBatcher", {{"MaxItemsPerBatch", 2}}},
                             {"ItemSelector", {{"v.$", "$$.Map.Item.Value"}, {"i.$", "$$.Map.Item.Index"}}}}),
                       Json::parse("[\"a\",\"b\",\"c\"]"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"([{"Items":[{"v":"a","i":0},{"v":"b","i":1}]},{"Items":[{"v":"c","i":2}]}])"));
}

namespace {
Json writer(const std::string& prefix, Json config = nullptr) {
  Json w = {{"Resource", "arn:aws:states:::s3:putObject"}, {"Parameters", {{"Bucket", "out"}, {"Prefix", prefix}}}};
  if (!config.is_null()) w["WriterConfig"] = std::move(config);
  return w;
}
}  // namespace

TEST_CASE("writer: AWS's layout, manifest and NONE records; the Map's output names them", "[items]") {
  TempDir dir;
  fs::create_directories(dir.path / "out");
  auto r = run_with(dir, dmap({{"ResultWriter", writer("runs")}}), Json::parse(R"([{"a":1},{"a":2}])"));
  REQUIRE(r.status == asl::Status::succeeded);
  const std::string arn = r.output["MapRunArn"];
  CHECK(arn.rfind("arn:aws:states:us-east-1:123456789012:mapRun:", 0) == 0);
  const std::string id = arn.substr(arn.rfind(':') + 1);
  CHECK(r.output["ResultWriterDetails"] == Json{{"Bucket", "out"}, {"Key", "runs/" + id + "/manifest.json"}});
  const Json manifest = Json::parse(dir.read("out", "runs/" + id + "/manifest.json"));
  CHECK(manifest["DestinationBucket"] == "out");
  CHECK(manifest["MapRunArn"] == arn);
  CHECK(manifest["ResultFiles"]["FAILED"] == Json::array());
  CHECK(manifest["ResultFiles"]["PENDING"] == Json::array());
  REQUIRE(manifest["ResultFiles"]["SUCCEEDED"].size() == 1);
  const std::string key = manifest["ResultFiles"]["SUCCEEDED"][0]["Key"];
  CHECK(key == "runs/" + id + "/SUCCEEDED_0.json");
  const std::string text = dir.read("out", key);
  CHECK(manifest["ResultFiles"]["SUCCEEDED"][0]["Size"] == text.size());
  const Json records = Json::parse(text);
  REQUIRE(records.size() == 2);
  CHECK(records[0]["Input"] == R"({"a":1})");
  CHECK(records[0]["Output"] == R"({"a":1})");
  CHECK(records[0]["Status"] == "SUCCEEDED");
  CHECK(records[0]["InputDetails"] == Json{{"Included", true}});
  CHECK(records[0]["ExecutionArn"].get<std::string>().find(":execution:") != std::string::npos);
  CHECK(records[0]["Name"] != records[1]["Name"]);
  for (const char* f : {"StartDate", "StopDate", "StateMachineArn", "RedriveCount", "RedriveStatus"})
    CHECK(records[0].contains(f));
}

TEST_CASE("writer: COMPACT, FLATTEN, JSONL, and WriterConfig alone", "[items]") {
  TempDir dir;
  fs::create_directories(dir.path / "out");
  const Json input = Json::parse(R"([[1,2],[3],4])");
  auto r = run_with(dir, dmap({{"ResultWriter", writer("p", {{"Transformation", "FLATTEN"}, {"OutputType", "JSONL"}})}}),
                    input);
  REQUIRE(r.status == asl::Status::succeeded);
  const std::string key = r.output["ResultWriterDetails"]["Key"];
  const std::string folder = key.substr(0, key.size() - std::string("manifest.json").size());
  CHECK(dir.read("out", folder + "SUCCEEDED_0.json") == "1\n2\n3\n4\n");
  r = run_with(dir, dmap({{"ResultWriter", writer("", {{"Transformation", "COMPACT"}})}}), input);
  const std::string key2 = r.output["ResultWriterDetails"]["Key"];
  CHECK(key2.find('/') == key2.size() - std::string("/manifest.json").size());
  CHECK(Json::parse(dir.read("out", key2.substr(0, key2.size() - 13) + "SUCCEEDED_0.json")) == input);
  r = run_with(dir, dmap({{"ResultWriter", {{"WriterConfig", {{"Transformation", "FLATTEN"}}}}}}), input);
  CHECK(r.output == Json::parse("[1,2,3,4]"));
}

TEST_CASE("writer: tolerated failures go to FAILED_n.json; a bad bucket is States.ResultWriterFailed", "[items]") {
  TempDir dir;
  fs::create_directories(dir.path / "out");
  const Json fail_odd = Json::parse(R"({"Type":"Choice","Choices":[{"Variable":"$.n","NumericEquals":1,"Next":"F"}],
                                        "Default":"OK"})");
  Json def = dmap({{"ResultWriter", writer("t")}, {"ToleratedFailureCount", 1}});
  auto& proc = def["States"]["M"]["ItemProcessor"];
  proc["StartAt"] = "C";
  proc["States"] = {{"C", fail_odd},
                    {"F", {{"Type", "Fail"}, {"Error", "Odd"}, {"Cause", "one"}}},
                    {"OK", {{"Type", "Succeed"}}}};
  auto r = run_with(dir, def, Json::parse(R"([{"n":0},{"n":1},{"n":2}])"));
  REQUIRE(r.status == asl::Status::succeeded);
  const std::string key = r.output["ResultWriterDetails"]["Key"];
  const Json manifest = Json::parse(dir.read("out", key));
  REQUIRE(manifest["ResultFiles"]["FAILED"].size() == 1);
  const Json failed = Json::parse(dir.read("out", manifest["ResultFiles"]["FAILED"][0]["Key"].get<std::string>()));
  REQUIRE(failed.size() == 1);
  CHECK(failed[0]["Error"] == "Odd");
  CHECK(failed[0]["Cause"] == "one");
  CHECK(failed[0]["Status"] == "FAILED");
  CHECK(failed[0]["Input"] == R"({"n":1})");
  CHECK(Json::parse(dir.read("out", manifest["ResultFiles"]["SUCCEEDED"][0]["Key"].get<std::string>())).size() == 2);

  // Past the threshold the Map Run fails with AWS's error, and still leaves its files.
  def["States"]["M"]["ResultWriter"]["Parameters"]["Prefix"] = "t2";
  r = run_with(dir, def, Json::parse(R"([{"n":1},{"n":1}])"));
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::string("States.ExceedToleratedFailureThreshold"));
  std::size_t failed_records = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir.path / "out" / "t2"))
    if (e.path().filename().string().rfind("FAILED_", 0) == 0)
      failed_records += Json::parse(dir.read("out", fs::relative(e.path(), dir.path / "out").string())).size();
  CHECK(failed_records == 2);

  Json bad = dmap({{"ResultWriter", writer("t")}});
  bad["States"]["M"]["ResultWriter"]["Parameters"]["Bucket"] = "missing";
  r = run_with(dir, bad, Json::parse("[1]"));
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::string("States.ResultWriterFailed"));
}

TEST_CASE("items: ToleratedFailurePercentage applies over the whole Map Run", "[items]") {
  TempDir dir;
  std::string csv = "n\n";
  for (int i = 0; i < 100; ++i) csv += (i % 10 == 0 ? "bad\n" : "ok\n");  // 10 % fail
  dir.write("in", "f.csv", csv);
  const Json task = Json::parse(R"({"Type":"Task","Resource":"arn:check","End":true})");
  asl::HandlerRegistry tasks;
  tasks.add("arn:check", [](const Json& in) -> Json {
    if (in["n"] == "bad") throw asl::TaskError("Bad", "bad row");
    return in;
  });
  auto run_pct = [&](double pct) {
    return run_with(dir, dmap({{"ItemReader", reader("f.csv", {{"InputType", "CSV"}})},
                               {"ToleratedFailurePercentage", pct}, {"MaxConcurrency", 1}}, task),
                    Json::object(), tasks);
  };
  // The first row fails at once: with 1 of 1 so far that is 100 %, but AWS judges the run's
  // total, so the Map goes on.
  auto r = run_pct(10);
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output.size() == 100);
  CHECK(r.output[0].is_null());
  r = run_pct(9.5);
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::string("States.ExceedToleratedFailureThreshold"));
  CHECK(r.cause == std::string("The specified tolerated failure threshold was exceeded"));
}

TEST_CASE("items: a Map Run on a pool of workers reads, batches and writes every row once", "[items]") {
  TempDir dir;
  fs::create_directories(dir.path / "out");
  std::string csv = "n\n";
  long expected = 0;
  for (int i = 0; i < 5000; ++i) {
    csv += std::to_string(i) + "\n";
    expected += i;
  }
  dir.write("in", "n.csv", csv);
  asl::HandlerRegistry tasks;
  tasks.add("arn:sum", [](const Json& in) -> Json {
    long s = 0;
    for (const Json& row : in["Items"]) s += std::stol(row["n"].get<std::string>());
    return Json{{"sum", s}, {"rows", in["Items"].size()}};
  });
  asl::EngineOptions o;
  o.threads = 2;
  o.object_store = std::make_shared<asl::LocalDirectoryStore>(dir.path);
  asl::Engine engine(o);
  const Json def = dmap({{"ItemReader", reader("n.csv", {{"InputType", "CSV"}})},
                         {"ItemBatcher", {{"MaxItemsPerBatch", 7}}},
                         {"ResultWriter", writer("sums", {{"Transformation", "COMPACT"}, {"OutputType", "JSONL"}})}},
                        Json::parse(R"({"Type":"Task","Resource":"arn:sum","End":true})"));
  auto r = engine.run(asl::StateMachine::from_json(def, tasks), Json::object());
  REQUIRE(r.status == asl::Status::succeeded);
  const Json manifest = Json::parse(dir.read("out", r.output["ResultWriterDetails"]["Key"].get<std::string>()));
  long sum = 0;
  std::size_t rows = 0, lines = 0;
  for (const Json& f : manifest["ResultFiles"]["SUCCEEDED"]) {
    std::istringstream in(dir.read("out", f["Key"].get<std::string>()));
    for (std::string line; std::getline(in, line); ++lines) {
      const Json b = Json::parse(line);
      sum += b["sum"].get<long>();
      rows += b["rows"].get<std::size_t>();
    }
  }
  CHECK(lines == 715);  // ceil(5000 / 7)
  CHECK(rows == 5000);
  CHECK(sum == expected);
}

TEST_CASE("items: JSONata ItemBatcher and ResultWriter evaluate their expressions", "[items]") {
  TempDir dir;
  fs::create_directories(dir.path / "out");
  Json def = dmap({{"QueryLanguage", "JSONata"},
                   {"Items", "{% $states.input.rows %}"},
                   {"ItemBatcher", {{"MaxItemsPerBatch", "{% $states.input.per %}"},
                                    {"BatchInput", {{"tag", "{% $uppercase($states.input.tag) %}"}}}}},
                   {"ResultWriter",
                    {{"Resource", "arn:aws:states:::s3:putObject"},
                     {"Arguments", {{"Bucket", "out"}, {"Prefix", "{% 'runs/' & $states.input.tag %}"}}},
                     {"WriterConfig", {{"Transformation", "COMPACT"}}}}}});
  auto r = run_with(dir, def, Json{{"rows", {1, 2, 3}}, {"per", 2}, {"tag", "ab"}});
  REQUIRE(r.status == asl::Status::succeeded);
  const std::string key = r.output["ResultWriterDetails"]["Key"];
  CHECK(key.rfind("runs/ab/", 0) == 0);
  const Json manifest = Json::parse(dir.read("out", key));
  const Json batches = Json::parse(dir.read("out", manifest["ResultFiles"]["SUCCEEDED"][0]["Key"].get<std::string>()));
  CHECK(batches == Json::parse(R"([{"BatchInput":{"tag":"AB"},"Items":[1,2]},{"BatchInput":{"tag":"AB"},"Items":[3]}])"));
}

TEST_CASE("items: CSV records: quotes, CRLF, blank lines, an unclosed quote", "[items]") {
  auto records = [](const std::string& text, char delimiter = ',') {
    asl::detail::CsvRecordReader r(std::make_unique<std::istringstream>(text), delimiter);
    std::vector<std::vector<std::string>> out;
    std::vector<std::string> fields;
    while (r.next(fields)) out.push_back(fields);
    return out;
  };
  using Rows = std::vector<std::vector<std::string>>;
  CHECK(records("a,b\r\n\r\n1,2") == Rows{{"a", "b"}, {"1", "2"}});
  CHECK(records("\"x\"y,\"\",z\"q\n") == Rows{{"xy", "", "z\"q"}});  // text after a closing quote is kept
  CHECK(records(",\n") == Rows{{"", ""}});
  CHECK(records("\"open,\nstill") == Rows{{"open,\nstill"}});
  CHECK(records("a;b", ';') == Rows{{"a", "b"}});
  CHECK(records("").empty());
}

TEST_CASE("items: with both a tolerated count and percentage, exceeding either fails the Map Run", "[items]") {
  // 10 items, 3 failing: 30 %. AWS fails the run when either threshold is exceeded.
  const Json def = Json::parse(R"({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":1,
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T",
        "States":{"T":{"Type":"Task","Resource":"arn:check","End":true}}},"End":true}}})");
  asl::HandlerRegistry tasks;
  tasks.add("arn:check", [](const Json& in) -> Json {
    if (in.get<int>() % 3 == 0 && in.get<int>() > 0) throw asl::TaskError("Bad", "bad item");
    return in;
  });
  const Json input = Json::parse(R"({"xs":[0,1,2,3,4,5,6,7,8,9]})");
  const auto run_with_limits = [&](Json count, Json pct) {
    Json d = def;
    if (!count.is_null()) d["States"]["M"]["ToleratedFailureCount"] = count;
    if (!pct.is_null()) d["States"]["M"]["ToleratedFailurePercentage"] = pct;
    return asl::testing::run_machine(d, input, tasks);
  };
  CHECK(run_with_limits(3, 30).status == asl::Status::succeeded);
  CHECK(run_with_limits(2, 50).error == std::string("States.ExceedToleratedFailureThreshold"));  // the count
  CHECK(run_with_limits(5, 20).error == std::string("States.ExceedToleratedFailureThreshold"));  // the percentage
  CHECK(run_with_limits(3, nullptr).status == asl::Status::succeeded);  // no percentage: not 0 %
  CHECK(run_with_limits(nullptr, 30).status == asl::Status::succeeded);  // no count: not 0
}

TEST_CASE("items: a record longer than the 8 MB item limit fails the Map Run, unread past the limit", "[items]") {
  TempDir dir;
  const std::string long_text(asl::detail::max_item_bytes + 10, 'x');
  dir.write("in", "unclosed.csv", "a,b\n1,2\n\"" + long_text + "\n3,4\n");  // an unclosed quote
  dir.write("in", "long.jsonl", "1\n\"" + long_text + "\"\n2\n");
  dir.write("in", "fine.jsonl", "1\n\"" + std::string(1000, 'y') + "\"\n");
  auto r = run_with(dir, dmap({{"ItemReader", reader("unclosed.csv", {{"InputType", "CSV"}})}}));
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::string("States.ItemReaderFailed"));
  CHECK(r.cause.value_or("").find("Item 2 is larger than the maximum item size of 8388608 bytes.") !=
        std::string::npos);
  r = run_with(dir, dmap({{"ItemReader", reader("long.jsonl", {{"InputType", "JSONL"}})}}));
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.cause.value_or("").find("Item 2 is larger") != std::string::npos);
  r = run_with(dir, dmap({{"ItemReader", reader("fine.jsonl", {{"InputType", "JSONL"}})}}));
  CHECK(r.status == asl::Status::succeeded);
}
