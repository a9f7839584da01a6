// pg_cxx: C++ frames for the symbolizer: a namespace, a class, a template and
// an exception thrown through sampled frames. The profile must show
// demangled names such as "pgt::Cruncher::crunch(int)".
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace pgt {

static volatile uint64_t sink;

static double cpu_seconds()
{
	timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

template <typename T> __attribute__((noinline)) T mix(T x, long n)
{
	for (long i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		__asm__ volatile("" : "+r"(x));
	}
	return x;
}

class Cruncher {
public:
	__attribute__((noinline)) void crunch(int rounds)
	{
		for (int r = 0; r < rounds; r++)
			sink = mix<uint64_t>(sink, 20000);
		if (rounds > 0 && sink == 42)
			std::puts("unlikely");
	}
	__attribute__((noinline)) void crunch_then_throw(int rounds)
	{
		crunch(rounds);
		throw std::runtime_error("thrown through sampled frames");
	}
};

} // namespace pgt

int main()
{
	pgt::Cruncher c;
	long caught = 0;
	double start = pgt::cpu_seconds();
	while (pgt::cpu_seconds() - start < 0.6) {
		try {
			c.crunch_then_throw(50);
		} catch (const std::runtime_error &) {
			caught++;
		}
	}
	std::printf("caught %ld\n", caught);
	return caught > 0 ? 0 : 1;
}
