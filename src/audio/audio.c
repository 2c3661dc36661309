/* PortAudio start-up, devices. */
#define _GNU_SOURCE /* dl_iterate_phdr, RTLD_NOLOAD, RTLD_NODELETE: glibc (musl never unloads anyway) */
#include "intercom/audio/audio.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <link.h>
#include <portaudio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/*
 * ALSA prints a screenful of "Unknown PCM cards.pcm.rear" while PortAudio
 * probes, and PortAudio its own "Expression ... failed" lines when a stream
 * will not open; that would bury our one-line messages (and garble a curses
 * screen). INTERCOM_AUDIO_DEBUG=1 lets it through.
 */
int audio_quiet_begin(void)
{
	const char *debug = getenv("INTERCOM_AUDIO_DEBUG");
	if (debug && strcmp(debug, "1") == 0)
		return -1;
	fflush(stderr);
	/*
	 * Close-on-exec: a program the audio libraries start while probing (a sound
	 * server's autospawn) must not inherit a copy of our stderr. At 3 or above,
	 * so a closed standard descriptor is never the one taken.
	 */
	int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved >= 0 && devnull >= 0)
		dup2(devnull, STDERR_FILENO);
	if (devnull >= 0)
		close(devnull);
	return saved;
}

void audio_quiet_end(int saved)
{
	if (saved < 0)
		return;
	dup2(saved, STDERR_FILENO);
	close(saved);
}

int audio_init(char *err, size_t errlen)
{
	int quiet = audio_quiet_begin();
	PaError rc = Pa_Initialize();
	audio_quiet_end(quiet);
	if (rc != paNoError) {
		snprintf(err, errlen, "cannot start the audio system: %s", Pa_GetErrorText(rc));
		return -1;
	}
	return 0;
}

/*
 * alsa-lib loads its plugin modules (libasound_module_*.so) with dlopen while
 * PortAudio probes the devices, and unloads them all when Pa_Terminate frees
 * its configuration (snd_config_update_free_global). Every load runs the
 * constructors of a module's libraries afresh, and some never free what they
 * allocate: Debian's a52 plugin (libasound2-plugins, conf.d/60-a52-encoder.conf)
 * links FFmpeg's libavcodec and, through it, ~90 libraries, among them
 * libpixman-1 (12,384 bytes per load: its implementation chain) and libgomp (8).
 * So each re-listing of the devices (audio_terminate, audio_init) lost 12.1 KiB
 * for good, whoever called PortAudio: 0.7 MiB an hour at the console's 60 s gap.
 *
 * Before terminating we mark every module that is loaded RTLD_NODELETE (a
 * dlopen with RTLD_NOLOAD only changes that flag): alsa-lib's dlclose then
 * leaves it, and what it links, in place; the next start finds it loaded and no
 * constructor runs again. The modules stay mapped between two starts, as they
 * were anyway for as long as PortAudio ran; a re-listing also costs a fifth of
 * the CPU (no ~90 libraries to map and relocate). docs/ROBUSTNESS.md has the
 * figures, bench/relist.c and scripts/relist-leak.sh measure it.
 */
#define AUDIO_MODULES_MAX 64

struct audio_modules {
	int count;
	char path[AUDIO_MODULES_MAX][256];
};

static int audio_module_seen(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct audio_modules *m = data;
	const char *base = strrchr(info->dlpi_name, '/');
	base = base ? base + 1 : info->dlpi_name;
	size_t len = strlen(info->dlpi_name);
	if (strncmp(base, "libasound_module_", 17) == 0 && len < sizeof m->path[0] &&
	    m->count < AUDIO_MODULES_MAX)
		memcpy(m->path[m->count++], info->dlpi_name, len + 1);
	return 0;
}

static void audio_keep_modules(void)
{
	struct audio_modules m = { 0 };
	/* Collected first: no dlopen while dl_iterate_phdr holds the loader's list. */
	dl_iterate_phdr(audio_module_seen, &m);
	for (int i = 0; i < m.count; i++) {
		void *h = dlopen(m.path[i], RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
		if (h)
			dlclose(h); /* the flag stays: dlclose never unloads it now */
	}
}

void audio_terminate(void)
{
	audio_keep_modules();
	Pa_Terminate();
}

static int device_channels(const PaDeviceInfo *info, bool input)
{
	return input ? info->maxInputChannels : info->maxOutputChannels;
}

int audio_find_device(const char *spec, bool input, char *err, size_t errlen)
{
	const char *kind = input ? "input" : "output";
	int count = Pa_GetDeviceCount();
	if (!spec || !*spec) {
		PaDeviceIndex d = input ? Pa_GetDefaultInputDevice() : Pa_GetDefaultOutputDevice();
		if (d == paNoDevice) {
			snprintf(err, errlen, "no %s device found: check the sound card, or list devices with --list-devices", kind);
			return -1;
		}
		return d;
	}
	char *end;
	long index = strtol(spec, &end, 10);
	if (*end == '\0') {
		if (index < 0 || index >= count) {
			snprintf(err, errlen, "no device with index %ld (see --list-devices)", index);
			return -1;
		}
		const PaDeviceInfo *info = Pa_GetDeviceInfo((PaDeviceIndex)index);
		if (!info || device_channels(info, input) < 1) {
			snprintf(err, errlen, "device %ld is not an %s device (see --list-devices)", index, kind);
			return -1;
		}
		return (int)index;
	}
	size_t speclen = strlen(spec);
	for (int d = 0; d < count; d++) {
		const PaDeviceInfo *info = Pa_GetDeviceInfo(d);
		if (!info || device_channels(info, input) < 1)
			continue;
		for (const char *p = info->name; *p; p++) {
			if (strncasecmp(p, spec, speclen) == 0)
				return d;
		}
	}
	snprintf(err, errlen, "no %s device matches '%s' (see --list-devices)", kind, spec);
	return -1;
}

void audio_list_devices(FILE *out)
{
	int count = Pa_GetDeviceCount();
	PaDeviceIndex def_in = Pa_GetDefaultInputDevice(), def_out = Pa_GetDefaultOutputDevice();
	fprintf(out, "%-5s %-40s %5s %5s %8s\n", "index", "name", "in", "out", "rate");
	for (int d = 0; d < count; d++) {
		const PaDeviceInfo *info = Pa_GetDeviceInfo(d);
		if (!info)
			continue;
		fprintf(out, "%-5d %-40.40s %5d %5d %8.0f%s%s\n", d, info->name, info->maxInputChannels,
		        info->maxOutputChannels, info->defaultSampleRate,
		        d == def_in ? " default-input" : "", d == def_out ? " default-output" : "");
	}
	if (count <= 0)
		fprintf(out, "(no audio devices)\n");
}

const char *audio_device_name(int device)
{
	const PaDeviceInfo *info = device >= 0 ? Pa_GetDeviceInfo(device) : NULL;
	return info ? info->name : "none";
}

PaError audio_stream_start(PaStream **stream, const PaStreamParameters *input,
                           const PaStreamParameters *output, int rate, unsigned long chunk,
                           PaStreamFlags flags, PaStreamCallback *cb,
                           PaStreamFinishedCallback *finished_cb, void *ctx)
{
	*stream = NULL;
	int quiet = audio_quiet_begin();
	PaError rc = Pa_OpenStream(stream, input, output, rate, chunk, flags, cb, ctx);
	audio_quiet_end(quiet);
	if (rc == paNoError)
		rc = Pa_SetStreamFinishedCallback(*stream, finished_cb);
	if (rc == paNoError)
		rc = Pa_StartStream(*stream);
	if (rc != paNoError && *stream) {
		Pa_CloseStream(*stream);
		*stream = NULL;
	}
	return rc;
}
