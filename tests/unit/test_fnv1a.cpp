// Unit tests: the FNV-1a fingerprints a journal records (Fnv1a64) stay bit-identical: a
// definition's hash and a Map Run's listing digest are on disk in journals written before.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <string>
#include <vector>

#include "asl/detail/base/fnv1a.hpp"
#include "asl/detail/durable/records.hpp"
#include "asl/detail/items/source_identity.hpp"

using asl::detail::Fnv1a64;
using asl::detail::durable::definition_hash;

TEST_CASE("fnv1a: the published 64-bit FNV-1a values", "[fnv1a]") {
  CHECK(Fnv1a64().value() == 0xcbf29ce484222325ULL);  // the offset basis: nothing mixed
  CHECK(definition_hash("") == 0xcbf29ce484222325ULL);
  CHECK(definition_hash("a") == 0xaf63dc4c8601ec8cULL);
  // Fed in pieces or at once: the same value.
  Fnv1a64 h;
  h.mix("St");
  h.mix("");
  h.mix_byte('a');
  h.mix("rtAt");
  CHECK(h.value() == definition_hash("StartAt"));
}

TEST_CASE("fnv1a: definition hashes and listing digests are those journals already hold", "[fnv1a][durable]") {
  // Pinned from the code that wrote the journals (before Fnv1a64 existed): a changed value would
  // make every existing journal's executions unrecoverable or their listings "changed".
  CHECK(definition_hash(R"({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})") ==
        0x5a6008852a239114ULL);
  CHECK(definition_hash(std::string("caf\xc3\xa9 \x00\xff\x80 end", 12)) == 0x3f2d5721d4f6e3b9ULL);  // bytes >= 0x80

  const std::vector<asl::ObjectInfo> objects = {
      {"in/a.csv", 1234, "\"0cc175b9c0f1b6a831c399e269772661\"", "2026-12-05T10:00:00Z"},
      {"in/b.csv", 0, "\"d41d8cd98f00b204e9800998ecf8427e\"", "2026-12-05T10:00:01Z"}};
  CHECK(asl::detail::listing_identity("features", "in/", objects).dump() ==
        R"({"Bucket":"features","Prefix":"in/","Objects":2,"Digest":"bd6a52c333dc2694"})");
  CHECK(asl::detail::listing_identity("b", "", {}).dump() ==
        R"({"Bucket":"b","Prefix":"","Objects":0,"Digest":"cbf29ce484222325"})");
}
