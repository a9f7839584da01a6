// An allocation-heavy C++ program for bench/run_default_bench.py: every
// round builds and drops many small strings and vectors (operator new and
// delete on every one), with some arithmetic between. Argument: rounds
// (default 60, about 2.5 s here).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

__attribute__((noinline)) static size_t build_words(int round)
{
	std::vector<std::string> words;
	size_t n = 0;
	for (int i = 0; i < 20000; i++) {
		words.emplace_back(std::string(24 + (i + round) % 16, 'a' + i % 26));
		n += words.back().size();
	}
	return n;
}

__attribute__((noinline)) static double crunch(int round)
{
	double s = 0;
	for (int i = 1; i < 400000; i++)
		s += (double)((i * 2654435761u + (unsigned)round) % 1000) / i;
	return s;
}

__attribute__((noinline)) static size_t nested(int round)
{
	std::vector<std::vector<int>> v;
	for (int i = 0; i < 5000; i++)
		v.emplace_back(8 + (i + round) % 8, i);
	size_t n = 0;
	for (auto &x : v)
		n += x.size();
	return n;
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 60;
	double s = 0;
	size_t n = 0;
	for (int r = 0; r < rounds; r++) {
		n += build_words(r);
		s += crunch(r);
		n += nested(r);
	}
	printf("%zu %.3f\n", n, s);
	return 0;
}
