/**
 * ppm_sc syscall names by code (scap_get_ppm_sc_name). The table lives in src/events/flags.ts
 * (generated from falcosecurity/libs driver/ppm_events_public.h, libs 0.25.4); this module keeps
 * the import path other modules already use.
 */
export { PPM_SC_NAMES } from "../events/flags.ts";
