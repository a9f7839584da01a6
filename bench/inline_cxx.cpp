// A C++17 program whose hot code is inlined templates and lambdas, for
// bench/inline_bench.py: records are parsed, scored by a template, bucketed
// in a hash map and sorted with a lambda. At -O2 most of these functions
// exist only as inlined code; perf report --inline and profgate's DWARF
// inline frames should both find them. Argument: rounds (default 40).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <unordered_map>
#include <vector>

struct Record {
	unsigned key;
	double value;
	double weight;
};

template <typename T>
static inline double weighted_score(const T &r)
{
	double s = 0;
	for (int k = 1; k < 24; k++)
		s += std::sqrt(r.value * k + r.weight) / k;
	return s;
}

template <typename It, typename F>
static inline void for_each_chunk(It first, It last, F &&f)
{
	for (; first != last; ++first)
		f(*first);
}

static unsigned next_random(unsigned &state)
{
	state = state * 1103515245u + 12345u;
	return state >> 8;
}

__attribute__((noinline)) static std::vector<Record> make_records(size_t n, unsigned seed)
{
	std::vector<Record> v;
	v.reserve(n);
	for (size_t i = 0; i < n; i++) {
		unsigned r = next_random(seed);
		v.push_back(Record{ r % 4096, (r % 1000) / 7.0, (r % 97) / 3.0 });
	}
	return v;
}

__attribute__((noinline)) static double score_all(const std::vector<Record> &v)
{
	double total = 0;
	for_each_chunk(v.begin(), v.end(), [&](const Record &r) { total += weighted_score(r); });
	return total;
}

__attribute__((noinline)) static size_t bucket(const std::vector<Record> &v)
{
	std::unordered_map<unsigned, std::vector<double>> buckets;
	for (const Record &r : v)
		buckets[r.key].push_back(r.value);
	size_t most = 0;
	for (auto &kv : buckets)
		most = std::max(most, kv.second.size());
	return most;
}

__attribute__((noinline)) static double sort_by_score(std::vector<Record> &v)
{
	std::sort(v.begin(), v.end(), [](const Record &a, const Record &b) {
		return a.value * a.weight < b.value * b.weight;
	});
	return v.front().value + v.back().value;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 40;
	double sum = 0;
	size_t most = 0;

	for (int i = 0; i < rounds; i++) {
		std::vector<Record> v = make_records(200000, (unsigned)i + 1);
		sum += score_all(v);
		most += bucket(v);
		sum += sort_by_score(v);
	}
	printf("%.3f %zu\n", sum, most);
	return 0;
}
