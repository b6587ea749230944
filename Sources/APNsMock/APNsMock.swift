// The mock APNs server lives in this module; see MockAPNs.
