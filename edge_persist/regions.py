"""Regions, in one place."""
from edge_persist.contract import HOME_REGION

# Lambda@Edge runs in the regional edge caches and logs in their regions. These are the 17
# commercial regions enabled by default in every account (no opt-in): the ones worth scanning.
EDGE_LOG_REGIONS = (
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2",
)
assert HOME_REGION in EDGE_LOG_REGIONS


def parse_regions(text):
    """'all' or a comma list; unknown names are a usage error, reported by the caller."""
    if text.strip().lower() == "all":
        return list(EDGE_LOG_REGIONS)
    regions = [r.strip() for r in text.split(",") if r.strip()]
    unknown = [r for r in regions if r not in EDGE_LOG_REGIONS]
    if unknown or not regions:
        raise ValueError(f"unknown region(s) {', '.join(unknown) or '(none given)'}; "
                         f"use 'all' or some of: {', '.join(EDGE_LOG_REGIONS)}")
    return regions


# Which region's regional edge cache runs the origin triggers of a request served at a POP,
# by the POP's airport code (the first three letters of x-edge-location, "IAD89-C1").
# AWS publishes the POPs ("Amazon CloudFront Key Features", Global Edge Network) and the 13
# regional edge caches, not which cache each POP uses; the assumption here is the nearest
# regional edge cache in one of the regions above, which is how CloudFront describes the
# routing ("How CloudFront works with regional edge caches"). `forecast --pop-regions FILE`
# overrides it. The emulator names its POPs from this table too.
POP_REGIONS = {
    # North America
    "IAD": "us-east-1", "JFK": "us-east-1", "EWR": "us-east-1", "BOS": "us-east-1",
    "PHL": "us-east-1", "ATL": "us-east-1", "MIA": "us-east-1", "CLT": "us-east-1",
    "CMH": "us-east-2", "ORD": "us-east-2", "DTW": "us-east-2", "MSP": "us-east-2",
    "DFW": "us-east-2", "IAH": "us-east-2", "MCI": "us-east-2", "DEN": "us-east-2",
    "SFO": "us-west-1", "LAX": "us-west-1", "SJC": "us-west-1", "PHX": "us-west-1",
    "SEA": "us-west-2", "PDX": "us-west-2", "SLC": "us-west-2",
    "YUL": "ca-central-1", "YTO": "ca-central-1", "YVR": "us-west-2", "MEX": "us-east-2",
    "QRO": "us-east-2",
    # South America
    "GRU": "sa-east-1", "GIG": "sa-east-1", "EZE": "sa-east-1", "SCL": "sa-east-1",
    "BOG": "sa-east-1", "LIM": "sa-east-1", "FOR": "sa-east-1",
    # Europe, Middle East, Africa
    "DUB": "eu-west-1", "MAN": "eu-west-2", "LHR": "eu-west-2",
    "CDG": "eu-west-3", "MRS": "eu-west-3", "MAD": "eu-west-3", "BCN": "eu-west-3",
    "LIS": "eu-west-3",
    "FRA": "eu-central-1", "MUC": "eu-central-1", "DUS": "eu-central-1", "HAM": "eu-central-1",
    "AMS": "eu-central-1", "BRU": "eu-central-1", "ZRH": "eu-central-1", "VIE": "eu-central-1",
    "PRG": "eu-central-1", "WAW": "eu-central-1", "MXP": "eu-central-1", "FCO": "eu-central-1",
    "BUD": "eu-central-1", "SOF": "eu-central-1", "ATH": "eu-central-1", "OTP": "eu-central-1",
    "ARN": "eu-north-1", "CPH": "eu-north-1", "OSL": "eu-north-1", "HEL": "eu-north-1",
    "TLV": "eu-central-1", "DXB": "ap-south-1", "FJR": "ap-south-1", "BAH": "ap-south-1",
    "JNB": "eu-west-1", "CPT": "eu-west-1", "NBO": "eu-west-1", "LOS": "eu-west-1",
    # Asia Pacific
    "BOM": "ap-south-1", "DEL": "ap-south-1", "MAA": "ap-south-1", "BLR": "ap-south-1",
    "HYD": "ap-south-1", "CCU": "ap-south-1",
    "NRT": "ap-northeast-1", "HND": "ap-northeast-1", "TPE": "ap-northeast-1",
    "ICN": "ap-northeast-2", "GMP": "ap-northeast-2",
    "KIX": "ap-northeast-3",
    "SIN": "ap-southeast-1", "KUL": "ap-southeast-1", "BKK": "ap-southeast-1",
    "CGK": "ap-southeast-1", "MNL": "ap-southeast-1", "HKG": "ap-southeast-1",
    "HAN": "ap-southeast-1", "SGN": "ap-southeast-1",
    "SYD": "ap-southeast-2", "MEL": "ap-southeast-2", "BNE": "ap-southeast-2",
    "PER": "ap-southeast-2", "AKL": "ap-southeast-2",
}
assert set(POP_REGIONS.values()) <= set(EDGE_LOG_REGIONS)
# The POP the emulator says served a request in each region (X-Amz-Cf-Pop, x-edge-location).
EMULATOR_POPS = {
    "us-east-1": "IAD89-C1", "us-east-2": "CMH68-C1", "us-west-1": "SFO53-C1",
    "us-west-2": "SEA19-C1", "ca-central-1": "YUL62-C1", "sa-east-1": "GRU3-C1",
    "eu-west-1": "DUB56-C1", "eu-west-2": "LHR61-C1", "eu-west-3": "CDG50-C1",
    "eu-central-1": "FRA56-C1", "eu-north-1": "ARN54-C1", "ap-south-1": "BOM78-C1",
    "ap-northeast-1": "NRT57-C1", "ap-northeast-2": "ICN57-C1", "ap-northeast-3": "KIX56-C1",
    "ap-southeast-1": "SIN2-C1", "ap-southeast-2": "SYD62-C1",
}
assert all(POP_REGIONS[pop[:3]] == region for region, pop in EMULATOR_POPS.items())
