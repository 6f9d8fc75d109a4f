namespace Binder.Build.Content.Records;

/// <summary>
/// The Dataverse installations a DOI may lead to when the operator lists none: the installations repo2docker and
/// BinderHub ship (repo2docker's <c>contentproviders/dataverse.json</c>), as scheme and host. A DOI that resolves
/// anywhere else is refused, so that a DOI cannot point the service at an arbitrary host.
/// </summary>
internal static class DataverseInstallations
{
    public static readonly IReadOnlyList<string> BuiltIn =
    [
        "https://dvn.library.ubc.ca", "http://data.cimmyt.org", "https://dataverse.nl", "https://dataspace.ust.hk",
        "https://dvn.fudan.edu.cn", "https://dataverse.harvard.edu", "https://heidata.uni-heidelberg.de",
        "https://repositoriopesquisas.ibict.br", "https://datasets.socialhistory.org", "https://archive.data.jhu.edu",
        "https://dataverse.lib.virginia.edu", "https://dataverse.unc.edu", "http://opendata.pku.edu.cn",
        "https://dataverse.library.ualberta.ca", "http://dataverse.acg.maine.edu", "http://dataverse.icrisat.org",
        "https://dataverse.scholarsportal.info", "https://catalogues.cdsp.sciences-po.fr", "https://dataverse.tdl.org",
        "https://edatos.consorciomadrono.es", "https://data.cifor.org", "https://dataverse.cirad.fr",
        "https://dataverse.lib.umanitoba.ca", "https://dataverse.no", "https://researchdata.ntu.edu.sg",
        "https://dataverse.ada.edu.au", "https://dataverse.lib.unb.ca", "https://data.aussda.at",
        "https://dataverse.library.dal.ca", "http://dataverse.sta.uwi.edu", "https://data.lipi.go.id", "https://data.inra.fr",
        "https://dataverse.bhp.org.bw", "https://dataverse.vtti.vt.edu", "http://dataverse.ufabc.edu.br", "https://data.qdr.syr.edu",
        "https://research-data.ifsttar.fr", "https://data.cipotato.org", "https://dataverse.mpi-sws.org",
        "http://dataverse.ileel.ufu.br", "https://researchdata.nie.edu.sg", "http://data.mel.cgiar.org", "https://dataverse.ucla.edu",
        "http://research-data.urosario.edu.co", "https://dataverse.unimi.it", "https://data.gro.uni-goettingen.de",
        "https://dataverse.ird.fr", "http://datos.pucp.edu.pe", "https://dataverse.jpl.nasa.gov", "https://edmond.mpdl.mpg.de",
        "https://dataverse.lib.nycu.edu.tw",
    ];
}
